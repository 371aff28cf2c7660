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
 * Bucket = hash {t: time of level, v: level in unit·ms, l: limit, w: window}. Mirrors `judge` in
 * rate-limiter.ts. KEYS = buckets; ARGV = now, then (limit, window, cost) per key.
 * Reply: allowed, retryAfterMax, then (ok, remaining, retryAfter) per key.
 */
const CONSUME = new RedisScript(
  'rate-limit consume',
  `${LUA_FMT}
local now = tonumber(ARGV[1])
local n = #KEYS
local reply = {1, 0}
local times, needs, now_remaining = {}, {}, {}
for i = 1, n do
  local b = i * 3 - 1
  local limit, window, cost = tonumber(ARGV[b]), tonumber(ARGV[b + 1]), tonumber(ARGV[b + 2])
  local s = redis.call('HMGET', KEYS[i], 't', 'v')
  local t, level = now, 0
  if s[1] then
    t, level = tonumber(s[1]), tonumber(s[2])
    if now > t then
      level = level - (now - t) * limit
      if level < 0 then level = 0 end
      t = now
    end
  end
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
    local limit, window = tonumber(ARGV[b]), tonumber(ARGV[b + 1])
    redis.call('HSET', KEYS[i], 't', fmt(times[i]), 'v', fmt(needs[i]), 'l', ARGV[b], 'w', ARGV[b + 1])
    redis.call('PEXPIRE', KEYS[i], math.ceil(needs[i] / limit) + window + (times[i] - now))
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
  `${LUA_FMT}
local now = tonumber(ARGV[1])
for i = 1, #KEYS do
  local s = redis.call('HMGET', KEYS[i], 't', 'v', 'l', 'w')
  if s[1] and s[3] then
    local t, level, limit, window = tonumber(s[1]), tonumber(s[2]), tonumber(s[3]), tonumber(s[4])
    if now > t then
      level = level - (now - t) * limit
      if level < 0 then level = 0 end
      t = now
    end
    level = level + tonumber(ARGV[i + 1]) * window
    if level < 0 then level = 0 end
    redis.call('HSET', KEYS[i], 't', fmt(t), 'v', fmt(level))
    redis.call('PEXPIRE', KEYS[i], math.ceil(level / limit) + window + (t - now))
  end
end
return 0
`,
);

export type RedisRateLimiterOptions = { client: Redis; prefix: string; clock?: Clock };

/** GCRA limiter shared by every gateway process on one Redis; one script call per batch. */
export class RedisRateLimiter implements RateLimiter {
  private readonly client: Redis;
  private readonly prefix: string;
  private readonly clock: Clock;

  constructor(options: RedisRateLimiterOptions) {
    this.client = options.client;
    this.prefix = `${options.prefix}rl:`;
    this.clock = options.clock ?? systemClock;
  }

  async consume(request: RateLimitRequest): Promise<RateLimitDecision> {
    const batch = await this.consumeMany([request]);
    return batch.decisions[0] ?? UNLIMITED_DECISION;
  }

  async consumeMany(requests: readonly RateLimitRequest[]): Promise<RateLimitBatchDecision> {
    const keys: string[] = [];
    const args: number[] = [this.clock.now()];
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
    const args: number[] = [this.clock.now()];
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
