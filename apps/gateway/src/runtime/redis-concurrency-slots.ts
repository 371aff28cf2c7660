import type { Cluster, Redis } from 'ioredis';
import { type Clock, systemClock } from './clock.ts';
import {
  type ConcurrencySlots,
  type SlotAcquisition,
  type SlotBatchAcquisition,
  type SlotRelease,
  type SlotRequest,
  validateSlotRequest,
} from './concurrency-slots.ts';
import { assertDistinctKeys } from './distinct-keys.ts';
import { guarded, RedisScript } from './redis-script.ts';

/**
 * A slot set's expiry follows its longest lease in one call (`PEXPIRE … GT`, Redis 7); a set that was
 * empty before this holder is a new key without an expiry and gets a plain one. Shared with
 * redis-admission.ts, which takes slots in the same sets.
 */
export const LUA_SLOT_EXPIRY = `local function extendSlots(key, ttl, existed)
  if existed then redis.call('PEXPIRE', key, ttl, 'GT') else redis.call('PEXPIRE', key, ttl) end
end
`;

/*
 * One sorted set per key: member = holder, score = lease deadline. Expired leases are removed by the
 * script itself, so a crashed holder stops counting at its deadline. The key's TTL follows the
 * longest lease (`PEXPIRE … GT`, Redis 7; a set that was empty is a new key without one), so an
 * abandoned key disappears too.
 * KEYS = sets; ARGV = now, then (limit, holder, ttl) per key.
 * Reply: rejected index (1-based, 0 = all acquired), then inUse per key.
 */
const ACQUIRE = new RedisScript(
  'slots acquire',
  `${LUA_SLOT_EXPIRY}
local now = tonumber(ARGV[1])
local n = #KEYS
local reply = {0}
for i = 1, n do
  local b = i * 3 - 1
  local key = KEYS[i]
  redis.call('ZREMRANGEBYSCORE', key, '-inf', ARGV[1])
  local count = redis.call('ZCARD', key)
  -- A holder already in the set keeps its slot; asked only when the set is full.
  if reply[1] == 0 and count >= tonumber(ARGV[b]) and not redis.call('ZSCORE', key, ARGV[b + 1]) then reply[1] = i end
  reply[i + 1] = count
end
if reply[1] == 0 then
  for i = 1, n do
    local b = i * 3 - 1
    local key, ttl, count = KEYS[i], tonumber(ARGV[b + 2]), reply[i + 1]
    reply[i + 1] = count + redis.call('ZADD', key, now + ttl, ARGV[b + 1])
    extendSlots(key, ttl, count > 0)
  end
end
return reply
`,
);

/** KEYS = sets; ARGV = one holder per key. */
const RELEASE = new RedisScript(
  'slots release',
  `for i = 1, #KEYS do redis.call('ZREM', KEYS[i], ARGV[i]) end
return 0
`,
);

export type RedisConcurrencySlotsOptions = { client: Redis | Cluster; prefix: string; clock?: Clock };

/** Slots shared by every gateway process on one Redis; acquireMany is one script call. */
export class RedisConcurrencySlots implements ConcurrencySlots {
  private readonly client: Redis | Cluster;
  private readonly prefix: string;
  private readonly clock: Clock;

  constructor(options: RedisConcurrencySlotsOptions) {
    this.client = options.client;
    this.prefix = `${options.prefix}cs:`;
    this.clock = options.clock ?? systemClock;
  }

  async acquire(request: SlotRequest): Promise<SlotAcquisition> {
    const batch = await this.acquireMany([request]);
    return { acquired: batch.acquired, inUse: batch.inUse[0] ?? 0 };
  }

  async acquireMany(requests: readonly SlotRequest[]): Promise<SlotBatchAcquisition> {
    const keys: string[] = [];
    const args: (string | number)[] = [this.clock.now()];
    const positions: number[] = [];
    for (let i = 0; i < requests.length; i++) {
      const request = requests[i] as SlotRequest;
      validateSlotRequest(request);
      if (request.limit === 0) continue;
      keys.push(this.prefix + request.key);
      args.push(request.limit, request.holder, request.ttlMs);
      positions.push(i);
    }
    assertDistinctKeys(requests, 'acquireMany');
    const inUse = requests.map(() => 0);
    if (keys.length === 0) return { acquired: true, inUse };
    const reply = (await ACQUIRE.run(this.client, keys, args)) as number[];
    for (let j = 0; j < positions.length; j++) inUse[positions[j] as number] = reply[j + 1] ?? 0;
    const rejected = reply[0] ?? 0;
    if (rejected === 0) return { acquired: true, inUse };
    return { acquired: false, rejectedIndex: positions[rejected - 1] ?? 0, inUse };
  }

  async release(key: string, holder: string): Promise<void> {
    await guarded('slots release', this.client.zrem(this.prefix + key, holder));
  }

  async releaseMany(releases: readonly SlotRelease[]): Promise<void> {
    if (releases.length === 0) return;
    if (releases.length === 1) {
      const only = releases[0] as SlotRelease;
      return this.release(only.key, only.holder);
    }
    await RELEASE.run(
      this.client,
      releases.map((r) => this.prefix + r.key),
      releases.map((r) => r.holder),
    );
  }

  async inUse(key: string): Promise<number> {
    return guarded('slots inUse', this.client.zcount(this.prefix + key, `(${this.clock.now()}`, '+inf'));
  }
}
