import type { Redis } from 'ioredis';
import { type Clock, systemClock } from './clock.ts';
import { assertDistinctKeys } from './distinct-keys.ts';
import {
  type RateLimitAdjustment,
  type RateLimitBatchDecision,
  type RateLimitDecision,
  type RateLimiter,
  type RateLimitRequest,
  UNLIMITED_DECISION,
  validateAdjustment,
  validateRateLimitRequest,
} from './rate-limiter.ts';
import { LUA_FMT, RedisScript } from './redis-script.ts';

/*
 * Bucket = string '<t>:<v>:<l>:<w>' (time of level, level in unit·ms, limit, window) with a PX expiry:
 * one read (MGET for a batch) and one SET per bucket. Mirrors `judge` in rate-limiter.ts.
 * LUA_BUCKET is shared with redis-admission.ts, which reads and writes the same buckets.
 */
export const LUA_BUCKET = `${LUA_FMT}
local function unpackBucket(s)
  if not s then return nil end
  local t, v, l, w = string.match(s, '^(%d+):(%d+):(%d+):(%d+)$')
  if not t then return nil end
  return tonumber(t), tonumber(v), l, w
end
local function drained(s, now, limit)
  local t, level = unpackBucket(s)
  if not t then return now, 0 end
  if now > t then
    level = level - (now - t) * limit
    if level < 0 then level = 0 end
    t = now
  end
  return t, level
end
-- limit and window come as the strings they are stored as; t is usually now, passed as ARGV[1] (an
-- integer: the callers truncate their clock): every number Lua hands to Redis is formatted with
-- sprintf, which costs more than the write.
local function storeBucket(key, t, level, limit, window, now)
  local at = ARGV[1]
  if t ~= now then at = fmt(t) end
  redis.call('SET', key, at .. ':' .. fmt(level) .. ':' .. limit .. ':' .. window,
    'PX', math.ceil(level / tonumber(limit)) + tonumber(window) + (t - now))
end
local function adjustBucket(key, s, delta, now)
  local t, level, limit, window = unpackBucket(s)
  if not t then return end
  if now > t then
    level = level - (now - t) * tonumber(limit)
    if level < 0 then level = 0 end
    t = now
  end
  level = level + delta * tonumber(window)
  if level < 0 then level = 0 end
  storeBucket(key, t, level, limit, window, now)
end
`;

/*
 * KEYS = buckets; ARGV = now, then (limit, window, cost) per key.
 * Reply: allowed, retryAfterMax, then (ok, remaining, retryAfter) per key.
 */
const CONSUME = new RedisScript(
  'rate-limit consume',
  `${LUA_BUCKET}
local now = tonumber(ARGV[1])
local n = #KEYS
local reply = {1, 0}
local times, needs, now_remaining = {}, {}, {}
local stored = redis.call('MGET', unpack(KEYS))
for i = 1, n do
  local b = i * 3 - 1
  local limit, window, cost = tonumber(ARGV[b]), tonumber(ARGV[b + 1]), tonumber(ARGV[b + 2])
  local t, level = drained(stored[i], now, limit)
  local capacity = limit * window
  local need = level + cost * window
  local remainingNow = math.floor((capacity - level) / window)
  if remainingNow < 0 then remainingNow = 0 end
  local ok, remaining, retry = 1, 0, 0
  if need <= capacity or level == 0 then
    remaining = math.floor((capacity - need) / window)
    if remaining < 0 then remaining = 0 end
  else
    ok = 0
    reply[1] = 0
    remaining = remainingNow
    if cost * window > capacity then retry = math.ceil(level / limit) else retry = math.ceil((need - capacity) / limit) end
    if retry > reply[2] then reply[2] = retry end
  end
  times[i], needs[i] = t, need
  reply[i * 3] = ok
  reply[i * 3 + 1] = remaining
  reply[i * 3 + 2] = retry
  now_remaining[i] = remainingNow
end
if reply[1] == 1 then
  for i = 1, n do
    local b = i * 3 - 1
    storeBucket(KEYS[i], times[i], needs[i], ARGV[b], ARGV[b + 1], now)
  end
else
  for i = 1, n do reply[i * 3 + 1] = now_remaining[i] end
end
return reply
`,
);

/** KEYS = buckets; ARGV = now, then one delta per key (in units). */
const ADJUST = new RedisScript(
  'rate-limit adjust',
  `${LUA_BUCKET}
local now = tonumber(ARGV[1])
local stored = redis.call('MGET', unpack(KEYS))
for i = 1, #KEYS do adjustBucket(KEYS[i], stored[i], tonumber(ARGV[i + 1]), now) end
return 0
`,
);

/**
 * Key prefix of the buckets. `rb:` since buckets became strings (they were hashes under `rl:`): a
 * replica of the older layout and one of this layout count separately for one window during a
 * rolling upgrade instead of failing on each other's keys (docs/adr/0023).
 */
export const RATE_BUCKET_PREFIX = 'rb:';

export type RedisRateLimiterOptions = { client: Redis; prefix: string; clock?: Clock };

/** GCRA limiter shared by every gateway process on one Redis; one script call per batch. */
export class RedisRateLimiter implements RateLimiter {
  private readonly client: Redis;
  private readonly prefix: string;
  private readonly clock: Clock;

  constructor(options: RedisRateLimiterOptions) {
    this.client = options.client;
    this.prefix = `${options.prefix}${RATE_BUCKET_PREFIX}`;
    this.clock = options.clock ?? systemClock;
  }

  async consume(request: RateLimitRequest): Promise<RateLimitDecision> {
    const batch = await this.consumeMany([request]);
    return batch.decisions[0] ?? UNLIMITED_DECISION;
  }

  async consumeMany(requests: readonly RateLimitRequest[]): Promise<RateLimitBatchDecision> {
    const keys: string[] = [];
    const args: number[] = [Math.trunc(this.clock.now())];
    for (const request of requests) {
      validateRateLimitRequest(request);
      if (request.limit === 0) continue;
      keys.push(this.prefix + request.key);
      args.push(request.limit, request.windowMs, request.cost ?? 1);
    }
    assertDistinctKeys(requests, 'consumeMany');
    if (keys.length === 0) {
      return { allowed: true, retryAfterMs: 0, decisions: requests.map(() => UNLIMITED_DECISION) };
    }
    const reply = (await CONSUME.run(this.client, keys, args)) as number[];
    let at = 2;
    const decisions = requests.map((request) => {
      if (request.limit === 0) return UNLIMITED_DECISION;
      const decision = {
        allowed: reply[at] === 1,
        remaining: reply[at + 1] ?? 0,
        retryAfterMs: reply[at + 2] ?? 0,
      };
      at += 3;
      return decision;
    });
    return { allowed: reply[0] === 1, retryAfterMs: reply[1] ?? 0, decisions };
  }

  async adjust(key: string, delta: number): Promise<void> {
    await this.adjustMany([{ key, delta }]);
  }

  async adjustMany(adjustments: readonly RateLimitAdjustment[]): Promise<void> {
    const keys: string[] = [];
    const args: number[] = [Math.trunc(this.clock.now())];
    for (const adjustment of adjustments) {
      validateAdjustment(adjustment);
      if (adjustment.delta === 0) continue;
      keys.push(this.prefix + adjustment.key);
      args.push(adjustment.delta);
    }
    assertDistinctKeys(adjustments, 'adjustMany');
    if (keys.length === 0) return;
    await ADJUST.run(this.client, keys, args);
  }
}
