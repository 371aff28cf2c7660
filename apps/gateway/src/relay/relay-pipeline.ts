import type { IncomingMessage, ServerResponse } from 'node:http';
import { estimateInputTokens } from '@relay/translate';
import { PublicError } from '../errors.ts';
import { systemClock } from '../runtime/clock.ts';
import type { Endpoint } from '../upstream/endpoints.ts';
import { returnClaim } from './account-slot.ts';
import { admit } from './admission.ts';
import { checkTenant } from './check-tenant.ts';
import { explainDenial } from './explain-denial.ts';
import { relayWithFailover } from './failover.ts';
import { planFor } from './protocol-plan.ts';
import { parseJsonObject, readBody } from './read-body.ts';
import { RelayCall, type RelayDeps, type RelayEnv, type RelayOutcome } from './relay-call.ts';
import { readRelayRequest } from './relay-request.ts';
import { keyAllowsModel, restrictedByChannel, routesFor } from './route-model.ts';
import type { ModelRoute, TenantView } from './tenant-directory.ts';

export type { RelayDeps, RelayOutcome } from './relay-call.ts';

/**
 * The hot path (docs/architecture.md#usage-and-billing): auth from the in-process cache → key/IP/money checks → body →
 * model routes → admission (limits, slots, health, sticky: one round trip) → account selection with
 * failover (failover.ts) → the answer written straight to the socket (deliver-buffered.ts,
 * deliver-stream.ts) → one usage event (record-usage.ts) → slots released.
 * Errors before anything was written are thrown as PublicError for the app's error handler.
 */
export class RelayPipeline {
  private readonly env: RelayEnv;

  constructor(deps: RelayDeps) {
    this.env = {
      ...deps,
      clock: deps.clock ?? systemClock,
      inFlight: new Map(),
      lastUsed: new Map(),
      stickyHints: new Map(),
    };
  }

  async handle(
    endpoint: Endpoint,
    secret: string,
    incoming: IncomingMessage,
    outgoing: ServerResponse,
    requestId: string,
  ): Promise<RelayOutcome> {
    const env = this.env;
    const startedAt = env.clock.now();
    // The key is checked before the body is read or parsed: an unauthenticated caller costs no
    // parsing and learns nothing about request validation.
    const view = await env.directory.lookup(secret);
    if (view === null) throw new PublicError('INVALID_API_KEY', 'Incorrect API key provided.');
    checkTenant(view, startedAt, incoming.socket.remoteAddress, {
      spending: true,
      spentMicros: view.spend.micros,
    });
    const { group } = view.group;
    // Chat, Responses and Messages are served on every group (translated when the accounts speak
    // another protocol); embeddings need an OpenAI-platform group, as before.
    if (endpoint.kind === 'embeddings' && group.platform !== endpoint.platform) {
      throw new PublicError(
        'INVALID_REQUEST',
        `this API key's group serves the ${group.platform} API; ${endpoint.path} is for ${endpoint.platform} groups`,
      );
    }
    const raw = await readBody(incoming, env.body);
    const request = readRelayRequest(endpoint, parseJsonObject(raw), raw.length);
    const allowed = allowedRoutes(view, request.model);
    if (allowed.length === 0) throw explainDenial(view, request.model, startedAt);
    const routes = servableRoutes(endpoint, allowed);
    if (routes.length === 0) {
      if (endpoint.kind === 'count_tokens') return answerTokenEstimate(outgoing, requestId, request.body);
      throw explainDenial(view, request.model, startedAt);
    }

    const call = new RelayCall(
      endpoint,
      requestId,
      incoming,
      outgoing,
      startedAt,
      view,
      raw,
      request,
      routes,
    );
    try {
      const admission = await admit(env, call);
      return await relayWithFailover(env, call, admission);
    } finally {
      returnClaim(env, call);
      for (const stop of call.stopRenewals) stop();
      // Account slots are taken only after admission, so a call holding any has a ticket; they are
      // freed in the lease's release call.
      call.ticket?.finish({
        chargedMicros: call.chargedMicros,
        totalTokens: call.totalTokens,
        freeSlots: call.held.map((slot) => slot.key),
      });
    }
  }
}

/** The routes whose account can take this endpoint, natively or translated (see protocol-plan.ts). */
function servableRoutes(endpoint: Endpoint, routes: readonly ModelRoute[]): readonly ModelRoute[] {
  return routes.every((route) => planFor(endpoint, route.account) !== undefined)
    ? routes
    : routes.filter((route) => planFor(endpoint, route.account) !== undefined);
}

/**
 * `/v1/messages/count_tokens` when no account speaks Anthropic Messages natively: the documented
 * estimator (@relay/translate `estimateInputTokens`), answered here; nothing is billed.
 */
function answerTokenEstimate(
  outgoing: ServerResponse,
  requestId: string,
  body: Record<string, unknown>,
): RelayOutcome {
  const answer = JSON.stringify({ input_tokens: estimateInputTokens(body) });
  outgoing.writeHead(200, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(answer)),
    'x-request-id': requestId,
  });
  outgoing.end(answer);
  return { status: 200, attempts: 0 };
}

function allowedRoutes(view: TenantView, model: string): readonly ModelRoute[] {
  if (!keyAllowsModel(view.key, model)) return [];
  if (view.group.group.status !== 'active' || restrictedByChannel(view.group, model)) return [];
  return routesFor(view.group, model);
}
