import type { AccountState } from '../runtime/account-health.ts';
import { headerValue } from '../upstream/header-value.ts';
import { requestAccountSlot } from './account-slot.ts';
import { stickyKeyOf } from './admission-gate.ts';
import type { Admission, RelayCall, RelayEnv } from './relay-call.ts';
import { firstRoute, rememberSticky, usableRoutes } from './route-order.ts';
import { sessionIdentity } from './session-identity.ts';

/**
 * What the shared runtime state must say before an upstream is chosen, asked at once: the request's
 * lease (rpm/tpm windows, key and user slots, the sticky account, budget reservations: one runtime
 * call, see admission-gate.ts) and the candidates' health. With Redis both leave in one write and
 * cost one round trip of latency. The lease is kept in `call.ticket` and ended when the call ends.
 */
export async function admit(env: RelayEnv, call: RelayCall): Promise<Admission> {
  const { view, request, routes, requestId } = call;
  const session =
    routes.length > 1
      ? sessionIdentity(headerValue(call.incoming.headers['x-session-id']), request.body)
      : undefined;
  const entered = env.gate.enter(view, request, routes, session, requestId);
  const health = env.health.state(routes.map((route) => route.account.row.id)).catch((error: unknown) => {
    // Health that cannot answer only costs the circuit breaker's advice: every account counts as closed.
    env.logger.warn({ err: error, request_id: requestId }, 'account health unavailable');
    return new Map<string, AccountState>();
  });
  claimPredictedSlot(env, call, session);
  // A refusal leaves the claim on the call: the pipeline gives it back when the call ends.
  const [ticket, states] = await Promise.all([entered, health]);
  call.ticket = ticket;
  const stickyKey = ticket.stickyKey;
  if (stickyKey !== undefined && ticket.sticky !== null) rememberSticky(env, stickyKey, ticket.sticky);
  return { states, sticky: ticket.sticky, stickyKey };
}

/**
 * Asks for the slot of the account the call will most likely try first (the sticky account this
 * process last saw for the session, else the first in selection order with every circuit closed),
 * in the same write as admission, so the common request makes one round trip to the runtime state
 * instead of two. A wrong guess costs one release; a guess for an account without a limit, nothing.
 */
function claimPredictedSlot(env: RelayEnv, call: RelayCall, session: string | undefined): void {
  const stickyKey = stickyKeyOf(call.view, session);
  const hint = stickyKey === undefined ? undefined : env.stickyHints.get(stickyKey);
  const usable = usableRoutes(call, NO_STATES, env.clock.now());
  const route = firstRoute(env, call, usable, hint);
  if (route === undefined || route.account.row.concurrency <= 0) return;
  call.claim = { accountId: route.account.row.id, route, outcome: requestAccountSlot(env, call, route) };
}

const NO_STATES: ReadonlyMap<string, AccountState> = new Map();
