/**
 * rpm/tpm limits as a GCRA (generic cell rate algorithm, i.e. an exact leaky bucket):
 * a limit of L per W ms admits a burst of up to L units, then refills continuously at L/W units per ms.
 * State per key is one timestamp and one level, so every call is O(1) in memory and in Redis.
 * Arithmetic is in integers (level counted in unit·ms, capacity L·W), so the limit holds exactly.
 */
export type RateLimitRequest = {
  /** Logical key, e.g. `rpm:key:key_123`. On Redis Cluster, keys of one batch must share a `{tag}`. */
  key: string;
  /** Units per window; 0 = unlimited, answered without any I/O. */
  limit: number;
  windowMs: number;
  /** Units this call takes: 1 for rpm (the default), the estimated tokens for tpm. */
  cost?: number;
};

export type RateLimitDecision = {
  allowed: boolean;
  /** Whole units still available after this call (Infinity when unlimited). */
  remaining: number;
  /** 0 when allowed; otherwise how long until the same call would be allowed. */
  retryAfterMs: number;
};

export type RateLimitBatchDecision = {
  /** True only when every request was allowed; then all were consumed, otherwise none was. */
  allowed: boolean;
  /** The longest wait among the denied requests (0 when allowed). */
  retryAfterMs: number;
  /** One decision per request, in order. When the batch is denied, `remaining` is before consumption. */
  decisions: RateLimitDecision[];
};

export type RateLimitAdjustment = { key: string; delta: number };

export interface RateLimiter {
  consume(request: RateLimitRequest): Promise<RateLimitDecision>;
  /** All-or-nothing over several limits (key, user, group…): one round trip on Redis. */
  consumeMany(requests: readonly RateLimitRequest[]): Promise<RateLimitBatchDecision>;
  /**
   * Corrects a previous consume once the real cost is known (tpm: actual − estimated tokens; may be
   * negative). Uses the limit and window stored by the last consume; a key whose state has fully
   * drained and expired is left alone. Never denies.
   */
  adjust(key: string, delta: number): Promise<void>;
  adjustMany(adjustments: readonly RateLimitAdjustment[]): Promise<void>;
}

/**
 * Cost and capacity are multiplied by the window; keep them where doubles (Lua numbers) stay exact.
 * 2^50 leaves room for additions: e.g. 10M tokens per day is 8.6e14 < 1.1e15.
 */
const MAX_EXACT = 2 ** 50;

export const UNLIMITED_DECISION: RateLimitDecision = Object.freeze({
  allowed: true,
  remaining: Number.POSITIVE_INFINITY,
  retryAfterMs: 0,
});

export function validateRateLimitRequest(request: RateLimitRequest): void {
  const { key, limit, windowMs, cost = 1 } = request;
  if (typeof key !== 'string' || key.length === 0)
    throw new RangeError('rate limit key must be a non-empty string');
  if (!Number.isSafeInteger(limit) || limit < 0)
    throw new RangeError(`rate limit must be an integer >= 0 (${key})`);
  if (!Number.isSafeInteger(windowMs) || windowMs < 1) {
    throw new RangeError(`rate limit windowMs must be an integer >= 1 (${key})`);
  }
  if (!Number.isSafeInteger(cost) || cost < 0)
    throw new RangeError(`rate limit cost must be an integer >= 0 (${key})`);
  if (limit * windowMs > MAX_EXACT || cost * windowMs > MAX_EXACT) {
    throw new RangeError(`rate limit × window too large to count exactly (${key})`);
  }
}

export function validateAdjustment(adjustment: RateLimitAdjustment): void {
  if (typeof adjustment.key !== 'string' || adjustment.key.length === 0) {
    throw new RangeError('rate limit key must be a non-empty string');
  }
  if (!Number.isSafeInteger(adjustment.delta) || Math.abs(adjustment.delta) > MAX_EXACT / 2 ** 20) {
    throw new RangeError(`rate limit adjustment must be a safe integer (${adjustment.key})`);
  }
}

/**
 * The decision for one bucket, shared by the memory implementation (and mirrored line by line in
 * the Redis script). `level` is the drained level at `now`, in unit·ms.
 * A request costing more than the whole limit is admitted only when the bucket is empty (its full
 * cost is still charged), so an oversized tpm estimate is slowed down rather than refused forever.
 */
export function judge(
  level: number,
  limit: number,
  windowMs: number,
  cost: number,
): { ok: boolean; need: number; remainingNow: number; remainingAfter: number; retryAfterMs: number } {
  const capacity = limit * windowMs;
  const need = level + cost * windowMs;
  const remainingNow = Math.max(0, Math.floor((capacity - level) / windowMs));
  if (need <= capacity || level === 0) {
    return {
      ok: true,
      need,
      remainingNow,
      remainingAfter: Math.max(0, Math.floor((capacity - need) / windowMs)),
      retryAfterMs: 0,
    };
  }
  const retryAfterMs =
    cost * windowMs > capacity ? Math.ceil(level / limit) : Math.ceil((need - capacity) / limit);
  return { ok: false, need, remainingNow, remainingAfter: remainingNow, retryAfterMs };
}
