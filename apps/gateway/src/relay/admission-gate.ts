import { PublicError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type {
  Admission,
  AdmissionDecision,
  AdmissionRequest,
  BudgetRequest,
  RateLimitRequest,
} from '../runtime/index.ts';
import { isRuntimeUnavailableError, type LeaseKeeper } from '../runtime/index.ts';
import { computeCharge } from '../usage/compute-charge.ts';
import type { RelayRequest } from './relay-request.ts';
import type { ModelRoute, TenantView } from './tenant-directory.ts';
import { estimateTokens } from './usage.ts';

const MINUTE_MS = 60_000;
/** Sticky sessions live for an hour after their last use. */
const STICKY_TTL_MS = 60 * MINUTE_MS;

export type AdmissionGateOptions = {
  admission: Admission;
  keeper: LeaseKeeper;
  /** Reloads the tenant's view from the database (a budget mirror must be seeded from fresh figures). */
  reload: (view: TenantView) => Promise<TenantView>;
  /** `closed`: 503 LIMITER_UNAVAILABLE when the shared state does not answer; `open`: serve without it. */
  whenUnavailable: 'closed' | 'open';
  reserveMaxTokens: number;
  logger: Logger;
  /** The runtime clock (views record their load time with it). */
  now?: () => number;
};

/** What a request holds after admission; `finish` must be called exactly once when it ends. */
export type Ticket = {
  /** Served open (the limiter state did not answer): later runtime calls of this request are skipped. */
  degraded: boolean;
  sticky: string | null;
  stickyKey: string | undefined;
  /**
   * Ends the lease: settles the budgets to `chargedMicros`, corrects tpm to the real token count and
   * frees `freeSlots` (the account slots the request took) in the same call.
   */
  finish(outcome: {
    chargedMicros: bigint;
    totalTokens?: number | undefined;
    freeSlots?: readonly string[];
  }): void;
};

type Budget = BudgetRequest & { code: 'QUOTA_EXCEEDED' | 'INSUFFICIENT_BALANCE' };

/**
 * The relay's side of admission: what a request takes (rpm/tpm windows, key and user concurrency,
 * the sticky account, budget reservations of its worst-case cost), asked in one runtime call, held as
 * a lease renewed while the request runs and released when it ends. Every key of the call except the
 * group-wide limits carries the user's hash tag, so on Redis Cluster the call stays on one shard
 * (group-wide limits need a one-slot prefix there).
 */
export class AdmissionGate {
  constructor(private readonly options: AdmissionGateOptions) {}

  async enter(
    view: TenantView,
    request: RelayRequest,
    routes: readonly ModelRoute[],
    session: string | undefined,
    requestId: string,
  ): Promise<Ticket> {
    let current = view;
    let built = this.build(current, request, routes, session, requestId);
    let decision: AdmissionDecision;
    try {
      decision = await this.options.admission.admit(built.lease);
      if (!decision.admitted && decision.reason === 'stale_view') {
        // The budget mirror is missing (first use, Redis lost its data) or the ledger row was edited:
        // seed it from figures read now, not from a cached view.
        current = await this.reloaded(current, requestId);
        built = this.build(current, request, routes, session, requestId);
        decision = await this.options.admission.admit(built.lease);
      }
    } catch (error) {
      if (!isRuntimeUnavailableError(error)) throw error;
      // The script may still run once Redis answers: undo it by request id then.
      this.options.keeper.compensate(built.lease);
      if (this.options.whenUnavailable === 'closed') throw limiterUnavailable();
      this.options.logger.warn({ err: error, request_id: requestId }, 'limiter unavailable; serving open');
      return this.open(built.lease, built.stickyKey);
    }
    if (!decision.admitted) throw this.refusal(decision, built.budgets);
    const stop = this.options.keeper.hold(built.lease);
    const lease = built.lease;
    let finished = false;
    return {
      degraded: false,
      sticky: decision.sticky,
      stickyKey: built.stickyKey,
      finish: ({ chargedMicros, totalTokens, freeSlots }) => {
        if (finished) return;
        finished = true;
        stop();
        this.options.keeper.release(lease, {
          chargedMicros,
          freeSlots,
          adjust:
            totalTokens === undefined
              ? undefined
              : lease.limits
                  .filter((l) => l.key.includes(':tpm:') && l.limit > 0)
                  .map((l) => ({ key: l.key, delta: totalTokens - (l.cost ?? 0) })),
        });
      },
    };
  }

  /** The view read again from the database; a database that cannot answer makes it a 503, not a 500. */
  private async reloaded(view: TenantView, requestId: string): Promise<TenantView> {
    try {
      return await this.options.reload(view);
    } catch (error) {
      if (error instanceof PublicError) throw error;
      this.options.logger.warn(
        { err: error, request_id: requestId },
        'could not reload the key to seed its budget',
      );
      throw limiterUnavailable();
    }
  }

  /** Fail-open: nothing was taken; the charge still reaches the mirrors once Redis is back. */
  private open(lease: AdmissionRequest, stickyKey: string | undefined): Ticket {
    return {
      degraded: true,
      sticky: null,
      stickyKey,
      finish: ({ chargedMicros, freeSlots = [] }) => {
        if (chargedMicros > 0n || freeSlots.length > 0) {
          this.options.keeper.release(lease, { chargedMicros, freeSlots });
        }
      },
    };
  }

  private refusal(decision: Exclude<AdmissionDecision, { admitted: true }>, budgets: Budget[]): PublicError {
    switch (decision.reason) {
      case 'rate_limited':
        return new PublicError('RATE_LIMITED', 'Rate limit reached for this API key; retry later.', {
          retryAfterSeconds: decision.retryAfterMs / 1000,
        });
      case 'concurrency':
        return new PublicError(
          'CONCURRENCY_LIMITED',
          'Too many concurrent requests for this API key; retry shortly.',
          { retryAfterSeconds: 1 },
        );
      case 'budget':
        if (decision.inFlight) {
          return new PublicError(
            'CONCURRENCY_LIMITED',
            budgets[decision.index]?.code === 'INSUFFICIENT_BALANCE'
              ? 'The rest of the balance is reserved by requests in flight; retry shortly.'
              : "The rest of this API key's quota is reserved by requests in flight; retry shortly.",
            { retryAfterSeconds: 1 },
          );
        }
        return budgets[decision.index]?.code === 'INSUFFICIENT_BALANCE'
          ? new PublicError('INSUFFICIENT_BALANCE', 'The account balance is exhausted; top up to continue.')
          : new PublicError('QUOTA_EXCEEDED', 'This API key has used its whole quota.');
      default:
        // A fresh view that is still "stale", or a request id released before it was admitted.
        return limiterUnavailable();
    }
  }

  private build(
    view: TenantView,
    request: RelayRequest,
    routes: readonly ModelRoute[],
    session: string | undefined,
    requestId: string,
  ): { lease: AdmissionRequest; budgets: Budget[]; stickyKey: string | undefined } {
    const { key, user } = view;
    const { group } = view.group;
    const tag = `{${user.id}}`;
    const estimatedTokens = estimateTokens(request.promptCharacters);
    const limits: RateLimitRequest[] = [
      { key: `${tag}:rpm:key:${key.id}`, limit: key.rpmLimit, windowMs: MINUTE_MS },
      { key: `${tag}:rpm:user`, limit: user.rpmLimit, windowMs: MINUTE_MS },
      { key: `{${group.id}}:rpm:group`, limit: group.rpmLimit, windowMs: MINUTE_MS },
      { key: `${tag}:tpm:key:${key.id}`, limit: key.tpmLimit, windowMs: MINUTE_MS, cost: estimatedTokens },
      { key: `{${group.id}}:tpm:group`, limit: group.tpmLimit, windowMs: MINUTE_MS, cost: estimatedTokens },
    ];
    const reserve = this.worstCase(view, request, routes);
    const loadedAt = view.loadedAt;
    const budgets: Budget[] = [];
    if (key.quotaMicros !== null) {
      budgets.push({
        code: 'QUOTA_EXCEEDED',
        key: `${tag}:budget:key:${key.id}`,
        capMicros: key.quotaMicros,
        usedMicros: key.quotaUsedMicros,
        version: key.version,
        loadedAt,
        reserveMicros: reserve,
      });
    }
    if (group.billingMode === 'balance') {
      budgets.push({
        code: 'INSUFFICIENT_BALANCE',
        key: `${tag}:budget:user`,
        capMicros: 0n,
        usedMicros: -user.balanceMicros,
        version: user.version,
        loadedAt,
        reserveMicros: reserve,
      });
    }
    const stickyKey = stickyKeyOf(view, session);
    const lease: AdmissionRequest = {
      tenant: user.id,
      requestId,
      leaseTtlMs: this.options.keeper.leaseTtlMs,
      limits: limits.filter((l) => l.limit > 0),
      slots: [
        { key: `${tag}:conc:key:${key.id}`, limit: key.concurrencyLimit },
        { key: `${tag}:conc:user`, limit: user.concurrencyLimit },
      ].filter((s) => s.limit > 0),
      sticky: stickyKey === undefined ? undefined : { key: stickyKey, refreshTtlMs: STICKY_TTL_MS },
      // The mirror only needs the fields of BudgetRequest; `code` stays here for the refusal.
      budgets: budgets.map(({ code: _code, ...budget }) => budget),
    };
    return { lease, budgets, stickyKey };
  }

  /**
   * The most this request can cost: its prompt (the documented estimate) at the dearer of the input
   * and cache-write prices, plus its completion limit (`max_tokens` and its aliases, capped at
   * GATEWAY_RESERVE_MAX_TOKENS, or that cap when absent) at the output price, for the dearest model
   * it may be billed as.
   */
  worstCase(view: TenantView, request: RelayRequest, routes: readonly ModelRoute[]): bigint {
    const { group, channel, prices } = view.group;
    const models =
      channel?.billingModel === 'upstream' ? routes.map((route) => route.upstreamModel) : [request.model];
    const promptTokens = estimateTokens(request.promptCharacters);
    const completionTokens = Math.min(
      completionLimit(request.body) ?? this.options.reserveMaxTokens,
      this.options.reserveMaxTokens,
    );
    let worst = 0n;
    for (const model of new Set(models)) {
      const price = prices.get(model);
      if (price === undefined) continue;
      for (const cacheWriteTokens of [0, promptTokens]) {
        const { chargedMicros } = computeCharge(
          { promptTokens, completionTokens, cachedTokens: 0, cacheWriteTokens },
          price,
          group.rateMultiplierMicros,
        );
        if (chargedMicros > worst) worst = chargedMicros;
      }
    }
    return worst;
  }
}

function completionLimit(body: Record<string, unknown>): number | undefined {
  for (const name of ['max_tokens', 'max_completion_tokens', 'max_output_tokens']) {
    const value = body[name];
    if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  }
  return undefined;
}

/** The runtime key of a session's sticky account (per user, group and session), or undefined without a session. */
export function stickyKeyOf(view: TenantView, session: string | undefined): string | undefined {
  return session === undefined ? undefined : `{${view.user.id}}:sticky:${view.group.group.id}:${session}`;
}

export function limiterUnavailable(): PublicError {
  return new PublicError('LIMITER_UNAVAILABLE', 'Rate limiting is temporarily unavailable; retry shortly.', {
    retryAfterSeconds: 1,
  });
}
