import type { Dispatcher } from 'undici';
import { PublicError } from '../errors.ts';
import type { AccountState } from '../runtime/account-health.ts';
import type { SlotRequest } from '../runtime/concurrency-slots.ts';
import { isRuntimeUnavailableError } from '../runtime/errors.ts';
import { headerValue } from '../upstream/header-value.ts';
import { sendUpstream, upstreamHeaders } from '../upstream/send-upstream.ts';
import { classifyStatus, classifyThrown, type UpstreamFailure } from '../upstream/upstream-failure.ts';
import { limiterFailure } from './admission.ts';
import { deliverBuffered } from './deliver-buffered.ts';
import { deliverStream } from './deliver-stream.ts';
import { explainDenial } from './explain-denial.ts';
import { orderCandidates } from './order-candidates.ts';
import { planFor } from './protocol-plan.ts';
import { recordUsage } from './record-usage.ts';
import type { Admission, RelayCall, RelayEnv, RelayOutcome } from './relay-call.ts';
import type { ModelRoute } from './tenant-directory.ts';
import { translatedBody } from './translated-body.ts';
import { upstreamBody } from './upstream-body.ts';

/**
 * Account selection with failover: the usable candidates (no cooldown, circuit closed or on trial)
 * ordered by priority, load and stickiness; each attempt takes the account's slot, sends, and either
 * delivers the answer or records the failure and moves on, up to `maxAttempts`. Errors before
 * anything was written are thrown as PublicError.
 */
export async function relayWithFailover(
  env: RelayEnv,
  call: RelayCall,
  admission: Admission,
): Promise<RelayOutcome> {
  const { view, request, routes, outgoing, abort } = call;
  const now = env.clock.now();
  const { states, sticky, stickyKey } = admission;
  const usable = routes.filter((route) => {
    const until = route.account.row.cooldownUntil?.getTime();
    if (until !== undefined && until > now) return false;
    const status = states.get(route.account.row.id)?.status ?? 'closed';
    return status === 'closed' || status === 'half_open';
  });
  if (usable.length === 0) throw explainDenial(view, request.model, now, cooldownsOf(states));

  const byId = new Map(usable.map((route) => [route.account.row.id, route]));
  const candidates = orderCandidates(
    usable.map((route) => ({
      accountId: route.account.row.id,
      priority: route.account.priority,
      weight: route.account.row.weight,
      concurrency: route.account.row.concurrency,
      inFlight: env.inFlight.get(route.account.row.id) ?? 0,
      lastUsedAt: env.lastUsed.get(route.account.row.id) ?? 0,
    })),
    sticky ?? undefined,
  );
  const ordered = nativeFirst(call, candidates, byId);

  // A client that goes away while we wait for the upstream aborts the attempt.
  const onClientGone = () => {
    if (!outgoing.writableFinished) abort.abort();
  };
  outgoing.once('close', onClientGone);

  let lastFailure: UpstreamFailure | undefined;
  try {
    for (const candidate of ordered) {
      if (call.attempts >= env.maxAttempts || abort.signal.aborted) break;
      const route = byId.get(candidate.accountId);
      if (route === undefined) continue;
      const accountId = route.account.row.id;
      if (states.get(accountId)?.status === 'half_open' && !(await env.health.tryAcquireTrial(accountId)))
        continue;
      if (!(await takeAccountSlot(env, call, route))) continue;
      call.attempts += 1;
      call.route = route;
      env.inFlight.set(accountId, (env.inFlight.get(accountId) ?? 0) + 1);
      env.lastUsed.set(accountId, env.clock.now());
      try {
        const attempt = await attemptOnce(env, call, route);
        if (attempt.kind === 'aborted') break;
        if (attempt.kind === 'failed') {
          lastFailure = attempt.failure;
          await recordFailure(env, route, attempt.failure);
          continue;
        }
        if (attempt.passedThrough === false) {
          const state = states.get(accountId);
          if (state?.status !== 'closed' || state.failures !== undefined) {
            env.health.recordSuccess(accountId).catch(() => undefined);
          }
          if (stickyKey !== undefined && sticky !== accountId) {
            env.sticky.set(stickyKey, accountId).catch(() => undefined);
          }
        }
        return { status: attempt.status, accountId, attempts: call.attempts };
      } finally {
        env.inFlight.set(accountId, (env.inFlight.get(accountId) ?? 1) - 1);
      }
    }
  } finally {
    outgoing.off('close', onClientGone);
  }

  if (abort.signal.aborted) {
    recordUsage(env, call, { status: 499, errorCode: 'CLIENT_CLOSED' });
    return { status: 499, attempts: call.attempts };
  }
  if (call.attempts === 0) {
    // Every usable account is at its concurrency limit right now.
    throw new PublicError(
      'CONCURRENCY_LIMITED',
      'All upstream accounts for this model are busy; retry shortly.',
      {
        retryAfterSeconds: 1,
      },
    );
  }
  const timedOut = lastFailure?.kind === 'timeout';
  const attempts = call.attempts;
  const error = new PublicError(
    timedOut ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_ERROR',
    `upstream failed after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${lastFailure?.message ?? 'unknown error'}`,
  );
  recordUsage(env, call, { status: error.status, errorCode: error.code });
  throw error;
}

type Attempt =
  | { kind: 'aborted' }
  | { kind: 'failed'; failure: UpstreamFailure }
  /** An answer was sent; `passedThrough` when it was the upstream's own request error (4xx). */
  | { kind: 'delivered'; status: number; passedThrough: boolean };

/**
 * The account's own concurrency slot, when it has a limit; false when it is full. Accounts are shared
 * across tenants, so this slot lives outside the tenant's admission call (a second runtime call, only
 * for accounts with a limit); its lease is renewed like the admission lease while the call runs.
 */
async function takeAccountSlot(env: RelayEnv, call: RelayCall, route: ModelRoute): Promise<boolean> {
  const slot: SlotRequest = {
    key: `{${route.account.row.id}}:conc:account`,
    limit: route.account.row.concurrency,
    holder: call.requestId,
    ttlMs: env.keeper.leaseTtlMs,
  };
  // Served open because Redis did not answer at admission: do not wait on it a second time.
  if (slot.limit <= 0 || call.ticket?.degraded === true) return true;
  let taken: Awaited<ReturnType<typeof env.slots.acquire>>;
  try {
    taken = await env.slots.acquire(slot);
  } catch (error) {
    if (!isRuntimeUnavailableError(error)) throw error;
    // The acquisition may still run once Redis answers: release it by request id then.
    env.keeper.undo(`${slot.key}\u0000${slot.holder}`, () => env.slots.release(slot.key, slot.holder));
    if (env.whenLimiterUnavailable === 'open') return true;
    throw limiterFailure(error);
  }
  if (!taken.acquired) return false;
  call.held.push({ key: slot.key, holder: call.requestId });
  call.stopRenewals.push(env.keeper.every(() => env.slots.acquire(slot)));
  return true;
}

/**
 * Native first: accounts that speak the client's protocol are tried before accounts that need a
 * translation (the order within each kind is kept). Most groups have one kind only: nothing moves.
 */
function nativeFirst<C extends { accountId: string }>(
  call: RelayCall,
  candidates: C[],
  byId: ReadonlyMap<string, ModelRoute>,
): C[] {
  const translated = (candidate: C) => {
    const route = byId.get(candidate.accountId);
    return route !== undefined && planFor(call.endpoint, route.account)?.translation !== undefined;
  };
  if (!candidates.some(translated) || candidates.every(translated)) return candidates;
  return [...candidates.filter((c) => !translated(c)), ...candidates.filter(translated)];
}

/** One upstream attempt: send, classify the answer, deliver it when it is one to deliver. */
async function attemptOnce(env: RelayEnv, call: RelayCall, route: ModelRoute): Promise<Attempt> {
  const { endpoint, request, abort } = call;
  const plan = planFor(endpoint, route.account);
  if (plan === undefined)
    return {
      kind: 'failed',
      failure: { kind: 'request_error', message: 'account cannot serve this endpoint' },
    };
  call.translation = plan.translation;
  const body =
    plan.translation === undefined
      ? upstreamBody(endpoint, request, call.raw, route.upstreamModel)
      : translatedBody(call, plan.translation, route.upstreamModel);
  let response: Dispatcher.ResponseData;
  try {
    response = await sendUpstream({
      pools: env.pools,
      target: plan.target,
      endpoint: plan.upstreamEndpoint,
      body,
      headers: upstreamHeaders(plan.target, call.incoming.headers, call.requestId, body.length),
      timeoutMs: env.upstreamTimeoutMs,
      signal: abort.signal,
    });
  } catch (error) {
    if (abort.signal.aborted) return { kind: 'aborted' };
    return { kind: 'failed', failure: classifyThrown(error) };
  }
  const failure = classifyStatus(response.statusCode, response.headers['retry-after']);
  if (failure !== undefined && failure.kind !== 'request_error') {
    response.body.dump().catch(() => undefined);
    return { kind: 'failed', failure };
  }
  const contentType = headerValue(response.headers['content-type']) ?? 'application/json';
  const streaming = request.stream && response.statusCode < 300 && contentType.includes('text/event-stream');
  const delivered = streaming
    ? await deliverStream(env, call, response, contentType)
    : await deliverBuffered(env, call, response, contentType);
  if (delivered === 'retry') {
    return {
      kind: 'failed',
      failure: { kind: 'connect_error', message: 'upstream connection lost before the answer was complete' },
    };
  }
  return { kind: 'delivered', status: delivered, passedThrough: failure !== undefined };
}

async function recordFailure(env: RelayEnv, route: ModelRoute, failure: UpstreamFailure): Promise<void> {
  const accountId = route.account.row.id;
  env.logger.warn({ account_id: accountId, kind: failure.kind, status: failure.status }, failure.message);
  if (failure.kind === 'auth_error') {
    env.onAccountRejected(accountId, failure.message);
    return;
  }
  if (failure.kind === 'request_error' || failure.kind === 'stream_error') return;
  await env.health
    .recordFailure(accountId, { kind: failure.kind, retryAfterMs: failure.retryAfterMs })
    .catch((error: unknown) => env.logger.warn({ err: error }, 'could not record account failure'));
}

function cooldownsOf(states: ReadonlyMap<string, AccountState>): Map<string, number> {
  const cooldowns = new Map<string, number>();
  for (const [id, state] of states) if (state.until !== undefined) cooldowns.set(id, state.until);
  return cooldowns;
}
