import type { Dispatcher } from 'undici';
import { PublicError } from '../errors.ts';
import type { AccountState } from '../runtime/account-health.ts';
import { headerValue } from '../upstream/header-value.ts';
import { sendUpstream, upstreamHeaders } from '../upstream/send-upstream.ts';
import { classifyStatus, classifyThrown, type UpstreamFailure } from '../upstream/upstream-failure.ts';
import { holdAccountSlot, requestAccountSlot, returnClaim, type SlotOutcome } from './account-slot.ts';
import { deliverBuffered } from './deliver-buffered.ts';
import { deliverStream } from './deliver-stream.ts';
import { explainDenial } from './explain-denial.ts';
import { planFor } from './protocol-plan.ts';
import { recordUsage } from './record-usage.ts';
import type { Admission, RelayCall, RelayEnv, RelayOutcome } from './relay-call.ts';
import { orderRoutes, rememberSticky, usableRoutes } from './route-order.ts';
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
  const { view, request, outgoing, abort } = call;
  const now = env.clock.now();
  const { states, sticky, stickyKey } = admission;
  const usable = usableRoutes(call, states, now);
  if (usable.length === 0) throw explainDenial(view, request.model, now, cooldownsOf(states));
  // The sticky account leads; without one, the account whose slot was claimed with admission (the
  // first of this same order a moment ago) is kept among equals.
  const ordered = orderRoutes(env, call, usable, sticky ?? call.claim?.accountId);
  if (call.claim !== undefined && ordered[0]?.account.row.id !== call.claim.accountId) returnClaim(env, call);

  // A client that goes away while we wait for the upstream aborts the attempt.
  const onClientGone = () => {
    if (!outgoing.writableFinished) abort.abort();
  };
  outgoing.once('close', onClientGone);

  let lastFailure: UpstreamFailure | undefined;
  try {
    for (const route of ordered) {
      if (call.attempts >= env.maxAttempts || abort.signal.aborted) break;
      const accountId = route.account.row.id;
      if (states.get(accountId)?.status === 'half_open' && !(await env.health.tryAcquireTrial(accountId))) {
        // Another request holds the trial: a slot claimed for this account goes back now, not when
        // the call (perhaps a long stream on the next account) ends.
        if (call.claim?.accountId === accountId) returnClaim(env, call);
        continue;
      }
      if (!holdAccountSlot(env, call, route, await slotFor(env, call, route))) continue;
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
            rememberSticky(env, stickyKey, accountId);
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

/** The account's slot: the one claimed with admission when it is this account's, else asked for now. */
async function slotFor(env: RelayEnv, call: RelayCall, route: ModelRoute): Promise<SlotOutcome> {
  const claim = call.claim;
  if (claim === undefined || claim.accountId !== route.account.row.id) {
    return requestAccountSlot(env, call, route);
  }
  call.claim = undefined;
  const outcome = await claim.outcome;
  // Admission was served open (Redis down): the account is not held back by a slot it could not take.
  if (call.ticket?.degraded === true && typeof outcome === 'object') return 'free';
  return outcome;
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
