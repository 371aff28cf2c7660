import type { Cluster, Redis } from 'ioredis';
import {
  type Admission,
  type AdmissionDecision,
  type AdmissionRequest,
  BUDGET_IDLE_MS,
  SEED_MAX_AGE_MS,
  type Settlement,
  tombstoneTtl,
  validateAdmission,
  validateSettlement,
} from './admission.ts';
import { type Clock, systemClock } from './clock.ts';
import { LUA_SLOT_EXPIRY } from './redis-concurrency-slots.ts';
import { LUA_BUCKET, RATE_BUCKET_PREFIX } from './redis-rate-limiter.ts';
import { RedisScript, type ScriptArg } from './redis-script.ts';

/*
 * Keys (prefix omitted; the caller's logical keys carry the tenant's `{tag}`):
 *   ls:{tenant}:<requestId>  string 'h:<deadline>' while the lease is held, 'd' once released (tombstone)
 *   rb:<key>                 rate-limit bucket (the layout of redis-rate-limiter.ts)
 *   cs:<key>                 slot set (the layout of redis-concurrency-slots.ts)
 *   ss:<key>                 sticky binding (the layout of redis-sticky-sessions.ts)
 *   bg:<key>                 budget mirror hash: b base, s spent, r reserved, v version, q:<requestId> reservation
 *   br:<key>                 budget reservations zset: requestId → lease deadline
 */

/**
 * Shared Lua helpers: the buckets of redis-rate-limiter.ts, the slot-set expiry of
 * redis-concurrency-slots.ts (Redis 7, docs/adr/0023) and the reservation sweep.
 */
const HELPERS = `${LUA_BUCKET}${LUA_SLOT_EXPIRY}
local function sweep(h, z, reserved, now)
  local expired = redis.call('ZRANGEBYSCORE', z, '-inf', ARGV[1])
  if #expired == 0 then return reserved, false end
  for _, id in ipairs(expired) do
    local q = redis.call('HGET', h, 'q:' .. id)
    if q then
      reserved = reserved - tonumber(q)
      redis.call('HDEL', h, 'q:' .. id)
    end
  end
  redis.call('ZREMRANGEBYSCORE', z, '-inf', ARGV[1])
  redis.call('HSET', h, 'r', fmt(reserved))
  return reserved, true
end
local function held(mark, now)
  return mark and string.sub(mark, 1, 2) == 'h:' and tonumber(string.sub(mark, 3)) > now
end
`;

/*
 * KEYS = lease, rl×nrl, cs×ncs, ss×nst, bg×nb, br×nb.
 * ARGV = now, ttl, requestId, nrl, ncs, nst, nb, seedMaxAge, idle, stickyRefresh,
 *        then (limit, window, cost) per rl, limit per cs, (cap, used, version, loadedAt, reserve) per budget.
 * Reply: {0, sticky|false} admitted; {1, index, retryAfter} rate limited; {2, index} concurrency;
 *        {3, index, inFlight 0/1} budget; {4, index} stale view; {5} released.
 */
const ADMIT = new RedisScript(
  'admission admit',
  `${HELPERS}
local now, ttl, rid = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local nrl, ncs, nst, nb = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local seedAge, idle, stickyTtl = tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
local function sticky()
  if nst == 0 then return false end
  local key = KEYS[2 + nrl + ncs]
  local value = redis.call('GET', key)
  if not value then return false end
  local sep = string.find(value, ':', 1, true)
  if not sep then return false end
  if tonumber(string.sub(value, 1, sep - 1)) <= now then return false end
  local account = string.sub(value, sep + 1)
  redis.call('SET', key, fmt(now + stickyTtl) .. ':' .. account, 'PX', ARGV[10])
  return account
end
local mark = redis.call('GET', KEYS[1])
if mark == 'd' then return {5} end
if held(mark, now) then return {0, sticky()} end
local a = 11
local times, needs, denied, retryMax = {}, {}, 0, 0
local stored = {}
if nrl > 0 then stored = redis.call('MGET', unpack(KEYS, 2, 1 + nrl)) end
for i = 1, nrl do
  local limit, window, cost = tonumber(ARGV[a]), tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  a = a + 3
  local t, level = drained(stored[i], now, limit)
  local capacity = limit * window
  local need = level + cost * window
  if not (need <= capacity or level == 0) then
    if denied == 0 then denied = i end
    local retry
    if cost * window > capacity then retry = math.ceil(level / limit) else retry = math.ceil((need - capacity) / limit) end
    if retry > retryMax then retryMax = retry end
  end
  times[i], needs[i] = t, need
end
if denied > 0 then return {1, denied - 1, retryMax} end
local existed = {}
for j = 1, ncs do
  local key, limit = KEYS[1 + nrl + j], tonumber(ARGV[a])
  a = a + 1
  redis.call('ZREMRANGEBYSCORE', key, '-inf', ARGV[1])
  local count = redis.call('ZCARD', key)
  if count >= limit and not redis.call('ZSCORE', key, rid) then return {2, j - 1} end
  existed[j] = count > 0
end
local b0 = 1 + nrl + ncs + nst
local reservedNow, previous = {}, {}
for k = 1, nb do
  local h, z = KEYS[b0 + k], KEYS[b0 + nb + k]
  local cap, used, ver, loaded = tonumber(ARGV[a]), tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
  a = a + 5
  local fresh = now - loaded <= seedAge
  local s = redis.call('HMGET', h, 'b', 's', 'r', 'v', 'q:' .. rid)
  local base, spent, reserved
  if not s[1] then
    if not fresh then return {4, k - 1} end
    base, spent, reserved = used, 0, 0
    redis.call('DEL', h, z)
    redis.call('HSET', h, 'b', fmt(used), 's', '0', 'r', '0', 'v', fmt(ver))
    redis.call('PEXPIRE', h, idle)
  else
    base, spent, reserved = tonumber(s[1]), tonumber(s[2]), tonumber(s[3])
    previous[k] = s[5]
    if ver > tonumber(s[4]) then
      if not fresh then return {4, k - 1} end
      base, spent = used, 0
      redis.call('HSET', h, 'b', fmt(used), 's', '0', 'v', fmt(ver))
    end
    local swept
    reserved, swept = sweep(h, z, reserved, now)
    if swept then previous[k] = redis.call('HGET', h, 'q:' .. rid) end
    if used > base + spent then
      base = used - spent
      redis.call('HSET', h, 'b', fmt(base))
    end
  end
  if base + spent + reserved >= cap then
    if base + spent < cap then return {3, k - 1, 1} end
    return {3, k - 1, 0}
  end
  reservedNow[k] = reserved
end
local deadline = fmt(now + ttl)
local keepBudget = fmt(ttl + idle)
a = 11
for i = 1, nrl do
  storeBucket(KEYS[1 + i], times[i], needs[i], ARGV[a], ARGV[a + 1], now)
  a = a + 3
end
for j = 1, ncs do
  local key = KEYS[1 + nrl + j]
  redis.call('ZADD', key, deadline, rid)
  extendSlots(key, ARGV[2], existed[j])
  a = a + 1
end
for k = 1, nb do
  local h, z = KEYS[b0 + k], KEYS[b0 + nb + k]
  local amount = tonumber(ARGV[a + 4])
  a = a + 5
  local reserved = reservedNow[k] + amount - (tonumber(previous[k]) or 0)
  redis.call('HSET', h, 'r', fmt(reserved), 'q:' .. rid, ARGV[a - 1])
  redis.call('ZADD', z, deadline, rid)
  -- idle (1 h) exceeds any lease (at most 10 min), so a plain PEXPIRE never cuts a reservation short.
  redis.call('PEXPIRE', h, keepBudget)
  redis.call('PEXPIRE', z, keepBudget)
end
redis.call('SET', KEYS[1], 'h:' .. deadline, 'PX', ARGV[2])
return {0, sticky()}
`,
);

/*
 * KEYS = lease, cs×ncs, bg×nb, br×nb. ARGV = now, ttl, requestId, ncs, nb, idle.
 * Reply: 1 renewed, 0 the lease is gone.
 */
const RENEW = new RedisScript(
  'admission renew',
  `${HELPERS}
local now, ttl, rid = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
if not held(redis.call('GET', KEYS[1]), now) then return 0 end
local ncs, nb, idle = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local deadline = now + ttl
for j = 1, ncs do
  local key = KEYS[1 + j]
  local score = redis.call('ZSCORE', key, rid)
  if score and tonumber(score) > now then
    redis.call('ZADD', key, deadline, rid)
    extendSlots(key, ttl, true)
  end
end
for k = 1, nb do
  local h, z = KEYS[1 + ncs + k], KEYS[1 + ncs + nb + k]
  local score = redis.call('ZSCORE', z, rid)
  if score and tonumber(score) > now then
    redis.call('ZADD', z, deadline, rid)
    redis.call('PEXPIRE', h, ttl + idle)
    redis.call('PEXPIRE', z, ttl + idle)
  end
end
redis.call('SET', KEYS[1], 'h:' .. fmt(deadline), 'PX', ttl)
return 1
`,
);

/*
 * KEYS = lease, rb×nrl (only with a refund; nrl = 0 otherwise), cs×ncs, bg×nb, br×nb, rb×nadj, cs×nfree.
 * ARGV = now, requestId, charged, refund (0/1), nrl, ncs, nb, nadj, tombstoneTtl, idle, nfree,
 *        then the cost per rb (refund), then the delta per adjusted rb.
 */
const RELEASE = new RedisScript(
  'admission release',
  `${HELPERS}
local mark = redis.call('GET', KEYS[1])
local now, rid, charged, refund = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3]), ARGV[4] == '1'
local nrl, ncs, nb, nadj = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local nfree = tonumber(ARGV[11])
local f0 = 1 + nrl + ncs + 2 * nb + nadj
for f = 1, nfree do redis.call('ZREM', KEYS[f0 + f], rid) end
if mark == 'd' then return 0 end
if mark and string.sub(mark, 1, 2) == 'h:' then
  for j = 1, ncs do redis.call('ZREM', KEYS[1 + nrl + j], rid) end
  if refund and nrl > 0 then
    local stored = redis.call('MGET', unpack(KEYS, 2, 1 + nrl))
    for i = 1, nrl do adjustBucket(KEYS[1 + i], stored[i], -tonumber(ARGV[11 + i]), now) end
  end
end
local b0 = 1 + nrl + ncs
for k = 1, nb do
  local h, z = KEYS[b0 + k], KEYS[b0 + nb + k]
  local s = redis.call('HMGET', h, 's', 'r', 'q:' .. rid)
  if s[1] then
    local reserved, swept = sweep(h, z, tonumber(s[2]), now)
    local q = s[3]
    if swept then q = redis.call('HGET', h, 'q:' .. rid) end
    if q then
      reserved = reserved - tonumber(q)
      redis.call('HDEL', h, 'q:' .. rid)
      redis.call('ZREM', z, rid)
    end
    redis.call('HSET', h, 's', fmt(tonumber(s[1]) + charged), 'r', fmt(reserved))
    redis.call('PEXPIRE', h, ARGV[10])
    redis.call('PEXPIRE', z, ARGV[10])
  end
end
if nadj > 0 then
  local a0 = b0 + 2 * nb
  local stored = redis.call('MGET', unpack(KEYS, a0 + 1, a0 + nadj))
  for m = 1, nadj do adjustBucket(KEYS[a0 + m], stored[m], tonumber(ARGV[11 + nrl + m]), now) end
end
redis.call('SET', KEYS[1], 'd', 'PX', ARGV[9])
return 1
`,
);

/** `client` may be a Redis Cluster client: every key of one call shares the tenant's hash tag. */
export type RedisAdmissionOptions = { client: Redis | Cluster; prefix: string; clock?: Clock };

/** Admission shared by every gateway process on one Redis: admit, renew and release are one script call each. */
export class RedisAdmission implements Admission {
  private readonly client: Redis | Cluster;
  private readonly prefix: string;
  private readonly clock: Clock;

  constructor(options: RedisAdmissionOptions) {
    this.client = options.client;
    this.prefix = options.prefix;
    this.clock = options.clock ?? systemClock;
  }

  private leaseKey(request: AdmissionRequest): string {
    return `${this.prefix}ls:{${request.tenant}}:${request.requestId}`;
  }

  async admit(request: AdmissionRequest): Promise<AdmissionDecision> {
    validateAdmission(request);
    const p = this.prefix;
    const limits = counted(request.limits);
    const keys: string[] = [this.leaseKey(request)];
    for (const { item } of limits) keys.push(`${p}${RATE_BUCKET_PREFIX}${item.key}`);
    const slots = counted(request.slots);
    for (const { item } of slots) keys.push(`${p}cs:${item.key}`);
    if (request.sticky !== undefined) keys.push(`${p}ss:${request.sticky.key}`);
    for (const budget of request.budgets) keys.push(`${p}bg:${budget.key}`);
    for (const budget of request.budgets) keys.push(`${p}br:${budget.key}`);
    const args: ScriptArg[] = [
      Math.trunc(this.clock.now()),
      request.leaseTtlMs,
      request.requestId,
      limits.length,
      slots.length,
      request.sticky === undefined ? 0 : 1,
      request.budgets.length,
      SEED_MAX_AGE_MS,
      BUDGET_IDLE_MS,
      request.sticky?.refreshTtlMs ?? 0,
    ];
    for (const { item } of limits) args.push(item.limit, item.windowMs, item.cost ?? 1);
    for (const { item } of slots) args.push(item.limit);
    for (const budget of request.budgets) {
      args.push(
        budget.capMicros.toString(),
        budget.usedMicros.toString(),
        budget.version,
        budget.loadedAt,
        budget.reserveMicros.toString(),
      );
    }
    const reply = (await ADMIT.run(this.client, keys, args)) as [number, unknown, number?];
    const [code, second, third] = reply;
    switch (code) {
      case 0:
        return { admitted: true, sticky: typeof second === 'string' ? second : null };
      case 1:
        return {
          admitted: false,
          reason: 'rate_limited',
          index: limits[Number(second)]?.index ?? 0,
          retryAfterMs: Number(third ?? 0),
        };
      case 2:
        return { admitted: false, reason: 'concurrency', index: slots[Number(second)]?.index ?? 0 };
      case 3:
        return { admitted: false, reason: 'budget', index: Number(second), inFlight: third === 1 };
      case 4:
        return { admitted: false, reason: 'stale_view', index: Number(second) };
      default:
        return { admitted: false, reason: 'released' };
    }
  }

  async renew(request: AdmissionRequest, ttlMs: number): Promise<boolean> {
    validateAdmission(request);
    if (!Number.isSafeInteger(ttlMs) || ttlMs < 1)
      throw new RangeError('renew ttlMs must be an integer >= 1');
    const p = this.prefix;
    const slots = counted(request.slots);
    const keys = [this.leaseKey(request)];
    for (const { item } of slots) keys.push(`${p}cs:${item.key}`);
    for (const budget of request.budgets) keys.push(`${p}bg:${budget.key}`);
    for (const budget of request.budgets) keys.push(`${p}br:${budget.key}`);
    const reply = await RENEW.run(this.client, keys, [
      Math.trunc(this.clock.now()),
      ttlMs,
      request.requestId,
      slots.length,
      request.budgets.length,
      BUDGET_IDLE_MS,
    ]);
    return reply === 1;
  }

  async release(request: AdmissionRequest, settlement: Settlement = {}): Promise<void> {
    validateAdmission(request);
    validateSettlement(settlement);
    const p = this.prefix;
    // The rate-limit buckets are touched only by a refund: without one they are not sent at all.
    const limits = settlement.refund === true ? counted(request.limits) : [];
    const slots = counted(request.slots);
    const adjust = (settlement.adjust ?? []).filter((a) => a.delta !== 0);
    const keys = [this.leaseKey(request)];
    for (const { item } of limits) keys.push(`${p}${RATE_BUCKET_PREFIX}${item.key}`);
    for (const { item } of slots) keys.push(`${p}cs:${item.key}`);
    for (const budget of request.budgets) keys.push(`${p}bg:${budget.key}`);
    for (const budget of request.budgets) keys.push(`${p}br:${budget.key}`);
    for (const a of adjust) keys.push(`${p}${RATE_BUCKET_PREFIX}${a.key}`);
    const free = settlement.freeSlots ?? [];
    for (const key of free) keys.push(`${p}cs:${key}`);
    const args: ScriptArg[] = [
      Math.trunc(this.clock.now()),
      request.requestId,
      (settlement.chargedMicros ?? 0n).toString(),
      settlement.refund === true ? 1 : 0,
      limits.length,
      slots.length,
      request.budgets.length,
      adjust.length,
      tombstoneTtl(request.leaseTtlMs),
      BUDGET_IDLE_MS,
      free.length,
    ];
    for (const { item } of limits) args.push(item.cost ?? 1);
    for (const a of adjust) args.push(a.delta);
    await RELEASE.run(this.client, keys, args);
  }
}

/** The items that count (limit > 0), with their index in the caller's list. */
function counted<T extends { limit: number }>(items: readonly T[]): { item: T; index: number }[] {
  const out: { item: T; index: number }[] = [];
  items.forEach((item, index) => {
    if (item.limit > 0) out.push({ item, index });
  });
  return out;
}
