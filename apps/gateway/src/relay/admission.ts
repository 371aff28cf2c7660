import { PublicError } from '../errors.ts';
import type { SlotRequest } from '../runtime/concurrency-slots.ts';
import { isRuntimeUnavailableError } from '../runtime/errors.ts';
import type { RateLimitRequest } from '../runtime/rate-limiter.ts';
import { headerValue } from '../upstream/header-value.ts';
import type { Admission, RelayCall, RelayEnv } from './relay-call.ts';
import { sessionIdentity } from './session-identity.ts';
import type { TenantView } from './tenant-directory.ts';
import { estimateTokens } from './usage.ts';

const MINUTE_MS = 60_000;
/** Sticky sessions live for an hour after their last use (gateway.md §4). */
const STICKY_TTL_MS = 60 * MINUTE_MS;
/** Longest a request may hold a slot without renewing: covers long streams; a crashed holder frees it then. */
export const SLOT_LEASE_MS = 10 * MINUTE_MS;

/**
 * Everything the shared runtime state must say before an upstream is chosen — rate limits, the
 * key's and user's concurrency slots, the candidates' health and the sticky account — asked at once:
 * with Redis the calls leave in one write and cost one round trip of latency. A refusal (or a
 * Redis failure) gives back what the other calls took. The tenant slots taken are added to
 * `call.held`.
 */
export async function admit(env: RelayEnv, call: RelayCall): Promise<Admission> {
  const { view, request, routes, requestId } = call;
  const limits = limitRequests(view, request.promptCharacters);
  const tenantSlots = tenantSlotsOf(view, requestId);
  const session =
    routes.length > 1
      ? sessionIdentity(headerValue(call.incoming.headers['x-session-id']), request.body)
      : undefined;
  const stickyKey = session === undefined ? undefined : `{${view.group.group.id}}:sticky:${session}`;
  const [limited, slotted, states, sticky] = await Promise.allSettled([
    limits.length > 0 ? env.limiter.consumeMany(limits) : undefined,
    tenantSlots.length > 0 ? env.slots.acquireMany(tenantSlots) : undefined,
    env.health.state(routes.map((route) => route.account.row.id)),
    stickyKey === undefined ? null : env.sticky.get(stickyKey, STICKY_TTL_MS),
  ]);
  const slotsTaken = slotted.status === 'fulfilled' && slotted.value?.acquired === true;
  const giveBackSlots = () => {
    if (!slotsTaken) return;
    env.slots.releaseMany(tenantSlots).catch(() => undefined);
  };
  for (const outcome of [limited, slotted, states]) {
    if (outcome.status === 'rejected') {
      giveBackSlots();
      throw limiterFailure(outcome.reason);
    }
  }
  if (limited.status === 'fulfilled' && limited.value !== undefined && !limited.value.allowed) {
    giveBackSlots();
    throw new PublicError('RATE_LIMITED', 'Rate limit reached for this API key; retry later.', {
      retryAfterSeconds: limited.value.retryAfterMs / 1000,
    });
  }
  if (slotted.status === 'fulfilled' && slotted.value !== undefined && !slotted.value.acquired) {
    throw new PublicError(
      'CONCURRENCY_LIMITED',
      'Too many concurrent requests for this API key; retry shortly.',
      {
        retryAfterSeconds: 1,
      },
    );
  }
  for (const { key, holder } of tenantSlots) call.held.push({ key, holder });
  return {
    tenantSlots,
    states: states.status === 'fulfilled' ? states.value : new Map(),
    // A sticky map that cannot answer only costs the cache affinity, never the request.
    sticky: sticky.status === 'fulfilled' ? sticky.value : null,
    stickyKey,
  };
}

function limitRequests(view: TenantView, promptCharacters: number): RateLimitRequest[] {
  const { key, user } = view;
  const { group } = view.group;
  const estimatedTokens = estimateTokens(promptCharacters);
  const all: RateLimitRequest[] = [
    { key: `{${key.id}}:rpm:key`, limit: key.rpmLimit, windowMs: MINUTE_MS },
    { key: `{${user.id}}:rpm:user`, limit: user.rpmLimit, windowMs: MINUTE_MS },
    { key: `{${group.id}}:rpm:group`, limit: group.rpmLimit, windowMs: MINUTE_MS },
    { key: `{${key.id}}:tpm:key`, limit: key.tpmLimit, windowMs: MINUTE_MS, cost: estimatedTokens },
    { key: `{${group.id}}:tpm:group`, limit: group.tpmLimit, windowMs: MINUTE_MS, cost: estimatedTokens },
  ];
  return all.filter((limit) => limit.limit > 0);
}

function tenantSlotsOf(view: TenantView, requestId: string): SlotRequest[] {
  const all: SlotRequest[] = [
    {
      key: `{${view.key.id}}:conc:key`,
      limit: view.key.concurrencyLimit,
      holder: requestId,
      ttlMs: SLOT_LEASE_MS,
    },
    {
      key: `{${view.user.id}}:conc:user`,
      limit: view.user.concurrencyLimit,
      holder: requestId,
      ttlMs: SLOT_LEASE_MS,
    },
  ];
  return all.filter((slot) => slot.limit > 0);
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
