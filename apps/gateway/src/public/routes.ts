import type { HttpBindings } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { Context, Hono } from 'hono';
import { PublicError } from '../errors.ts';
import type { AppEnv } from '../http/env.ts';
import { clientAddress } from '../http/failure-throttle.ts';
import { checkTenant } from '../relay/check-tenant.ts';
import { modelsFor } from '../relay/list-models.ts';
import type { TenantView } from '../relay/tenant-directory.ts';
import { ENDPOINTS, type Endpoint } from '../upstream/endpoints.ts';
import { apiKeyFromRequest, type KeyHeaders, queryOf } from './api-key.ts';
import {
  noteIfUnknown,
  type PublicRouteDeps,
  relayTenantRequest,
  tenantSecret,
  unknownKeyError,
} from './tenant-relay.ts';

export type { PublicRouteDeps } from './tenant-relay.ts';

/** Tenant routes (docs/architecture.md#the-relay). Relayed routes write straight to the socket (no Response copy). */
export function registerPublicRoutes(app: Hono<AppEnv>, deps: PublicRouteDeps | undefined): void {
  const keyHeaders = (c: Context<AppEnv>): KeyHeaders => ({
    authorization: c.req.header('authorization'),
    xApiKey: c.req.header('x-api-key'),
  });
  const secretOf = (c: Context<AppEnv>) =>
    tenantSecret(deps, keyHeaders(c), queryOf(c.req.url), clientAddress(c));

  // Served by the fast path (relay-fast-path.ts) before Hono when listening; registered here too for
  // what the fast path leaves to Hono (e.g. a percent-encoded path) and for in-process requests.
  const relay = (endpoint: Endpoint) =>
    async function relayRoute(c: Context<AppEnv>) {
      const secret = secretOf(c);
      // A gateway built without a tenant store (shell tests) knows no keys.
      if (deps === undefined) throw unknownKeyError();
      const { incoming, outgoing } = nodeBindings(c);
      const outcome = await relayTenantRequest(deps, endpoint, secret, incoming, outgoing, c.var.requestId);
      c.set('sentStatus', outcome.status);
      return RESPONSE_ALREADY_SENT;
    };
  app.post(ENDPOINTS.chat.path, relay(ENDPOINTS.chat));
  app.post(ENDPOINTS.embeddings.path, relay(ENDPOINTS.embeddings));
  app.post(ENDPOINTS.responses.path, relay(ENDPOINTS.responses));
  app.post(ENDPOINTS.messages.path, relay(ENDPOINTS.messages));
  app.post(ENDPOINTS.count_tokens.path, relay(ENDPOINTS.count_tokens));

  const authenticated = async (c: Context<AppEnv>): Promise<TenantView> => {
    const secret = secretOf(c);
    const view = deps === undefined ? null : await deps.directory.lookup(secret);
    if (view === null) {
      const error = unknownKeyError();
      noteIfUnknown(deps, clientAddress(c), error);
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
    apiKeyFromRequest(keyHeaders(c), queryOf(c.req.url));
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
