import type { Cluster, Redis } from 'ioredis';
import { type Clock, systemClock } from './clock.ts';
import { guarded, LUA_FMT, RedisScript } from './redis-script.ts';
import {
  DEFAULT_STICKY_TTL_MS,
  type StickySessions,
  validateSessionKey,
  validateStickyTtl,
} from './sticky-sessions.ts';

/*
 * Value = "<deadline>:<accountId>". The deadline (from the injected clock) decides validity; the
 * key's Redis TTL is only the garbage-collection backstop. KEYS = [binding]; ARGV = now, refreshTtl
 * (0 = none). Reply: accountId or nil.
 */
const GET = new RedisScript(
  'sticky get',
  `${LUA_FMT}
local value = redis.call('GET', KEYS[1])
if not value then return false end
local sep = string.find(value, ':', 1, true)
if not sep then return false end
local now = tonumber(ARGV[1])
if tonumber(string.sub(value, 1, sep - 1)) <= now then return false end
local account = string.sub(value, sep + 1)
local ttl = tonumber(ARGV[2])
if ttl > 0 then redis.call('SET', KEYS[1], fmt(now + ttl) .. ':' .. account, 'PX', ttl) end
return account
`,
);

export type RedisStickySessionsOptions = { client: Redis | Cluster; prefix: string; clock?: Clock };

export class RedisStickySessions implements StickySessions {
  private readonly client: Redis | Cluster;
  private readonly prefix: string;
  private readonly clock: Clock;

  constructor(options: RedisStickySessionsOptions) {
    this.client = options.client;
    this.prefix = `${options.prefix}ss:`;
    this.clock = options.clock ?? systemClock;
  }

  async get(sessionKey: string, refreshTtlMs?: number): Promise<string | null> {
    validateSessionKey(sessionKey);
    if (refreshTtlMs !== undefined) validateStickyTtl(refreshTtlMs);
    const reply = await GET.run(
      this.client,
      [this.prefix + sessionKey],
      [this.clock.now(), refreshTtlMs ?? 0],
    );
    return typeof reply === 'string' ? reply : null;
  }

  async set(sessionKey: string, accountId: string, ttlMs: number = DEFAULT_STICKY_TTL_MS): Promise<void> {
    validateSessionKey(sessionKey);
    validateStickyTtl(ttlMs);
    const value = `${this.clock.now() + ttlMs}:${accountId}`;
    await guarded('sticky set', this.client.set(this.prefix + sessionKey, value, 'PX', ttlMs));
  }

  async delete(sessionKey: string): Promise<void> {
    validateSessionKey(sessionKey);
    await guarded('sticky delete', this.client.del(this.prefix + sessionKey));
  }
}
