import { PublicError } from '../errors.ts';
import type { AccountState } from '../runtime/account-health.ts';
import { isRuntimeUnavailableError } from '../runtime/errors.ts';
import { headerValue } from '../upstream/header-value.ts';
import type { Admission, RelayCall, RelayEnv } from './relay-call.ts';
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
  const [ticket, states] = await Promise.all([
    env.gate.enter(view, request, routes, session, requestId),
    env.health.state(routes.map((route) => route.account.row.id)).catch((error: unknown) => {
      // Health that cannot answer only costs the circuit breaker's advice: every account counts as closed.
      env.logger.warn({ err: error, request_id: requestId }, 'account health unavailable');
      return new Map<string, AccountState>();
    }),
  ]);
  call.ticket = ticket;
  return { states, sticky: ticket.sticky, stickyKey: ticket.stickyKey };
}

/** Limits and slots fail closed when their store is unreachable: a clear 503, never a crash. */
export function limiterFailure(error: unknown): unknown {
  if (isRuntimeUnavailableError(error)) {
    return new PublicError(
      'LIMITER_UNAVAILABLE',
      'Rate limiting is temporarily unavailable; retry shortly.',
      {
        retryAfterSeconds: 1,
      },
    );
  }
  return error;
}

/** Runs a runtime-state call, turning an unreachable store into LIMITER_UNAVAILABLE. */
export async function guard<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw limiterFailure(error);
  }
}
