import { type Clock, systemClock } from './clock.ts';
import { assertDistinctKeys } from './distinct-keys.ts';
import { ExpiringMap } from './expiring-map.ts';
import {
  judge,
  type RateLimitAdjustment,
  type RateLimitBatchDecision,
  type RateLimitDecision,
  type RateLimiter,
  type RateLimitRequest,
  UNLIMITED_DECISION,
  validateAdjustment,
  validateRateLimitRequest,
} from './rate-limiter.ts';

type Bucket = {
  /** Time the level was last computed at. */
  at: number;
  /** Used capacity in unit·ms. */
  level: number;
  limit: number;
  windowMs: number;
  expiresAt: number;
};

function drained(bucket: Bucket | undefined, now: number, limit: number): number {
  if (bucket === undefined) return 0;
  if (now <= bucket.at) return bucket.level;
  return Math.max(0, bucket.level - (now - bucket.at) * limit);
}

/** Keeps the bucket one window beyond the time it drains, so a late `adjust` still finds it. */
function expiryOf(at: number, level: number, limit: number, windowMs: number): number {
  return at + Math.ceil(level / limit) + windowMs;
}

/** In-process GCRA limiter for embedded mode (one gateway process). */
export class MemoryRateLimiter implements RateLimiter {
  private readonly buckets: ExpiringMap<Bucket>;

  constructor(private readonly clock: Clock = systemClock) {
    this.buckets = new ExpiringMap(clock);
  }

  async consume(request: RateLimitRequest): Promise<RateLimitDecision> {
    const batch = await this.consumeMany([request]);
    return batch.decisions[0] ?? UNLIMITED_DECISION;
  }

  async consumeMany(requests: readonly RateLimitRequest[]): Promise<RateLimitBatchDecision> {
    return this.consumeManyNow(requests);
  }

  /** `consumeMany` without a promise: admission composes it with other state in one synchronous step. */
  consumeManyNow(requests: readonly RateLimitRequest[]): RateLimitBatchDecision {
    for (const request of requests) validateRateLimitRequest(request);
    assertDistinctKeys(requests, 'consumeMany');
    const now = this.clock.now();
    const verdicts = requests.map((request) => {
      if (request.limit === 0) return undefined;
      const bucket = this.buckets.get(request.key, now);
      const level = drained(bucket, now, request.limit);
      return { bucket, verdict: judge(level, request.limit, request.windowMs, request.cost ?? 1) };
    });
    const allowed = verdicts.every((v) => v === undefined || v.verdict.ok);
    let retryAfterMs = 0;
    const decisions = verdicts.map((v, i) => {
      if (v === undefined) return UNLIMITED_DECISION;
      const { verdict, bucket } = v;
      retryAfterMs = Math.max(retryAfterMs, verdict.retryAfterMs);
      if (allowed) {
        const request = requests[i] as RateLimitRequest;
        const at = Math.max(now, bucket?.at ?? now);
        const expiresAt = expiryOf(at, verdict.need, request.limit, request.windowMs);
        if (bucket === undefined) {
          this.buckets.set(
            request.key,
            { at, level: verdict.need, limit: request.limit, windowMs: request.windowMs, expiresAt },
            now,
          );
        } else {
          bucket.at = at;
          bucket.level = verdict.need;
          bucket.limit = request.limit;
          bucket.windowMs = request.windowMs;
          bucket.expiresAt = expiresAt;
          this.buckets.touch(now);
        }
      }
      return {
        allowed: verdict.ok,
        remaining: allowed ? verdict.remainingAfter : verdict.remainingNow,
        retryAfterMs: verdict.retryAfterMs,
      };
    });
    return { allowed, retryAfterMs, decisions };
  }

  async adjust(key: string, delta: number): Promise<void> {
    await this.adjustMany([{ key, delta }]);
  }

  async adjustMany(adjustments: readonly RateLimitAdjustment[]): Promise<void> {
    this.adjustManyNow(adjustments);
  }

  adjustManyNow(adjustments: readonly RateLimitAdjustment[]): void {
    for (const adjustment of adjustments) validateAdjustment(adjustment);
    assertDistinctKeys(adjustments, 'adjustMany');
    const now = this.clock.now();
    for (const { key, delta } of adjustments) {
      if (delta === 0) continue;
      const bucket = this.buckets.get(key, now);
      if (bucket === undefined) continue;
      const level = Math.max(0, drained(bucket, now, bucket.limit) + delta * bucket.windowMs);
      bucket.at = Math.max(now, bucket.at);
      bucket.level = level;
      bucket.expiresAt = expiryOf(bucket.at, level, bucket.limit, bucket.windowMs);
      this.buckets.touch(now);
    }
  }
}
