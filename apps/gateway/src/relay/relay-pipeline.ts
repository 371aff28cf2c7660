import type { IncomingMessage, ServerResponse } from 'node:http';
import { PublicError } from '../errors.ts';
import { systemClock } from '../runtime/clock.ts';
import type { Endpoint } from '../upstream/endpoints.ts';
import { admit } from './admission.ts';
import { checkTenant } from './check-tenant.ts';
import { explainDenial } from './explain-denial.ts';
import { relayWithFailover } from './failover.ts';
import { parseJsonObject, readBody } from './read-body.ts';
import { RelayCall, type RelayDeps, type RelayEnv, type RelayOutcome } from './relay-call.ts';
import { readRelayRequest } from './relay-request.ts';
import { keyAllowsModel, restrictedByChannel, routesFor } from './route-model.ts';
import type { ModelRoute, TenantView } from './tenant-directory.ts';

export type { RelayDeps, RelayOutcome } from './relay-call.ts';

/**
 * The hot path (gateway.md §4): auth from the in-process cache → key/IP/money checks → body →
 * model routes → admission (limits, slots, health, sticky: one round trip) → account selection with
 * failover (failover.ts) → the answer written straight to the socket (deliver-buffered.ts,
 * deliver-stream.ts) → one usage event (record-usage.ts) → slots released.
 * Errors before anything was written are thrown as PublicError for the app's error handler.
 */
export class RelayPipeline {
  private readonly env: RelayEnv;

  constructor(deps: RelayDeps) {
    this.env = { ...deps, clock: deps.clock ?? systemClock, inFlight: new Map(), lastUsed: new Map() };
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
    if (group.platform !== endpoint.platform) {
      throw new PublicError(
        'INVALID_REQUEST',
        `this API key's group serves the ${group.platform} API; ${endpoint.path} is for ${endpoint.platform} groups`,
      );
    }
    const raw = await readBody(incoming, env.body);
    const request = readRelayRequest(endpoint, parseJsonObject(raw), raw.length);
    const routes = allowedRoutes(view, request.model);
    if (routes.length === 0) throw explainDenial(view, request.model, startedAt);

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
      call.ticket?.finish({ chargedMicros: call.chargedMicros, totalTokens: call.totalTokens });
      for (const stop of call.stopRenewals) stop();
      for (const slot of call.held) {
        env.keeper.undo(`${slot.key}\u0000${slot.holder}`, () => env.slots.release(slot.key, slot.holder));
      }
    }
  }
}

function allowedRoutes(view: TenantView, model: string): readonly ModelRoute[] {
  if (!keyAllowsModel(view.key, model)) return [];
  if (view.group.group.status !== 'active' || restrictedByChannel(view.group, model)) return [];
  return routesFor(view.group, model);
}
