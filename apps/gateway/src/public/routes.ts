import type { HttpBindings } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { Context, Hono } from 'hono';
import { PublicError } from '../errors.ts';
import type { AppEnv } from '../http/env.ts';
import { clientAddress, type FailureThrottle } from '../http/failure-throttle.ts';
import { checkTenant } from '../relay/check-tenant.ts';
import { modelsFor } from '../relay/list-models.ts';
import type { RelayPipeline } from '../relay/relay-pipeline.ts';
import type { TenantDirectory, TenantView } from '../relay/tenant-directory.ts';
import { ENDPOINTS, type Endpoint } from '../upstream/endpoints.ts';
import { apiKeyFromRequest } from './api-key.ts';

export type PublicRouteDeps = {
  relay: RelayPipeline;
  directory: TenantDirectory;
  /** Unknown keys per client address before 429 AUTH_THROTTLED; absent = not throttled. */
  keyThrottle?: FailureThrottle;
};

/** Tenant routes (docs/architecture.md#the-relay). Relayed routes write straight to the socket (no Response copy). */
export function registerPublicRoutes(app: Hono<AppEnv>, deps: PublicRouteDeps | undefined): void {
  const secretOf = (c: Context<AppEnv>) =>
    apiKeyFromRequest(
      { authorization: c.req.header('authorization'), xApiKey: c.req.header('x-api-key') },
      new URL(c.req.url),
    );
  const unknownKey = () => new PublicError('INVALID_API_KEY', 'Incorrect API key provided.');

  /**
   * Key guessing: an address that presented too many unknown keys is refused any key this gateway has
   * not already loaded (no database lookup, nothing learned) until its window passes; keys in use keep
   * working, so one bad client behind a shared address does not cut off the others.
   */
  const refuseIfGuessing = (c: Context<AppEnv>, secret: string) => {
    const throttle = deps?.keyThrottle;
    if (throttle === undefined) return;
    const waitMs = throttle.retryAfterMs(clientAddress(c));
    if (waitMs > 0 && !deps?.directory.knows(secret)) {
      throw new PublicError('AUTH_THROTTLED', 'Too many invalid API keys from this address; retry later.', {
        retryAfterSeconds: waitMs / 1000,
      });
    }
  };
  const noteIfUnknown = (c: Context<AppEnv>, error: unknown) => {
    if (error instanceof PublicError && error.code === 'INVALID_API_KEY')
      deps?.keyThrottle?.recordFailure(clientAddress(c));
  };

  const relay = (endpoint: Endpoint) =>
    async function relayRoute(c: Context<AppEnv>) {
      const secret = secretOf(c);
      // A gateway built without a tenant store (shell tests) knows no keys.
      if (deps === undefined) throw unknownKey();
      refuseIfGuessing(c, secret);
      const { incoming, outgoing } = nodeBindings(c);
      try {
        const outcome = await deps.relay.handle(endpoint, secret, incoming, outgoing, c.var.requestId);
        c.set('sentStatus', outcome.status);
        return RESPONSE_ALREADY_SENT;
      } catch (error) {
        noteIfUnknown(c, error);
        throw error;
      }
    };
  app.post(ENDPOINTS.chat.path, relay(ENDPOINTS.chat));
  app.post(ENDPOINTS.embeddings.path, relay(ENDPOINTS.embeddings));
  app.post(ENDPOINTS.responses.path, relay(ENDPOINTS.responses));
  app.post(ENDPOINTS.messages.path, relay(ENDPOINTS.messages));
  app.post(ENDPOINTS.count_tokens.path, relay(ENDPOINTS.count_tokens));

  const authenticated = async (c: Context<AppEnv>): Promise<TenantView> => {
    const secret = secretOf(c);
    refuseIfGuessing(c, secret);
    const view = deps === undefined ? null : await deps.directory.lookup(secret);
    if (view === null) {
      const error = unknownKey();
      noteIfUnknown(c, error);
      throw error;
    }
    checkTenant(view, Date.now(), nodeBindings(c).incoming.socket.remoteAddress, { spending: false });
    return view;
  };

  app.get('/v1/models', async (c) => {
    const view = await authenticated(c);
    const models = modelsFor(view);
    if (c.req.header('anthropic-version') !== undefined) {
      const data = models.map((id) => ({
        type: 'model',
        id,
        display_name: id,
        created_at: '1970-01-01T00:00:00Z',
      }));
      return c.json({ data, has_more: false, first_id: models[0] ?? null, last_id: models.at(-1) ?? null });
    }
    return c.json({ object: 'list', data: models.map((id) => openAiModel(id, view)) });
  });

  app.get('/v1/models/:id{.+}', async (c) => {
    const view = await authenticated(c);
    const id = c.req.param('id');
    if (!modelsFor(view).includes(id)) {
      throw new PublicError(
        'MODEL_NOT_FOUND',
        `The model \`${id}\` does not exist or you do not have access to it.`,
        {
          param: 'model',
        },
      );
    }
    return c.json(openAiModel(id, view));
  });

  // Any other /v1 path still requires a key first, so an unauthenticated probe learns nothing.
  app.all('/v1/*', (c) => {
    secretOf(c);
    throw new PublicError('NOT_FOUND', `Unknown endpoint ${c.req.method} ${c.req.path}.`);
  });
}

function openAiModel(id: string, view: TenantView) {
  return { id, object: 'model', created: 0, owned_by: view.group.group.name };
}

function nodeBindings(c: Context<AppEnv>): HttpBindings {
  const env = c.env as Partial<HttpBindings> | undefined;
  if (env?.incoming === undefined || env.outgoing === undefined) {
    throw new Error('the relay routes need the Node HTTP server (@hono/node-server)');
  }
  return env as HttpBindings;
}
