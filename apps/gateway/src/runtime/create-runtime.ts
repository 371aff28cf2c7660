import type { Redis } from 'ioredis';
import type { AccountHealth, AccountHealthOptions } from './account-health.ts';
import type { Admission } from './admission.ts';
import type { CacheBus } from './cache-bus.ts';
import { CachedAccountHealth } from './cached-account-health.ts';
import { type Clock, systemClock } from './clock.ts';
import type { ConcurrencySlots } from './concurrency-slots.ts';
import { RuntimeUnavailableError } from './errors.ts';
import { MemoryAccountHealth } from './memory-account-health.ts';
import { MemoryAdmission } from './memory-admission.ts';
import { MemoryCacheBus } from './memory-cache-bus.ts';
import { MemoryConcurrencySlots } from './memory-concurrency-slots.ts';
import { MemoryRateLimiter } from './memory-rate-limiter.ts';
import { MemoryStickySessions } from './memory-sticky-sessions.ts';
import type { RateLimiter } from './rate-limiter.ts';
import { RedisAccountHealth } from './redis-account-health.ts';
import { RedisAdmission } from './redis-admission.ts';
import { RedisCacheBus } from './redis-cache-bus.ts';
import { createRedisClient } from './redis-client.ts';
import { RedisConcurrencySlots } from './redis-concurrency-slots.ts';
import { RedisRateLimiter } from './redis-rate-limiter.ts';
import { guarded } from './redis-script.ts';
import { RedisStickySessions } from './redis-sticky-sessions.ts';
import type { StickySessions } from './sticky-sessions.ts';

export type RuntimeOptions = {
  /** Absent → in-memory state (embedded mode, one process only). */
  redisUrl?: string;
  /** Prepended to every Redis key and channel. Default `relay:`. */
  prefix?: string;
  clock?: Clock;
  health?: Partial<AccountHealthOptions>;
  /** Redis command timeout: the longest a hot-path call can wait before failing closed. */
  commandTimeoutMs?: number;
  /** Connection name prefix shown by CLIENT LIST. */
  connectionName?: string;
  /** Connection errors and cache-bus handler failures; wire it to the logger. */
  onError?: (error: unknown) => void;
};

export type Runtime = {
  mode: 'memory' | 'redis';
  /** What a request takes at admission (limits, tenant slots, sticky, budgets), as one lease. */
  admission: Admission;
  rateLimiter: RateLimiter;
  slots: ConcurrencySlots;
  sticky: StickySessions;
  health: AccountHealth;
  cacheBus: CacheBus;
  /**
   * Resolves when the runtime can serve (Redis connected and answering, cache bus subscribed);
   * rejects with RuntimeUnavailableError after `timeoutMs`. Use it at start and in /readyz.
   */
  ready(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
};

/** The gateway's shared runtime state: memory without `redisUrl`, Redis with it. */
export function createRuntime(options: RuntimeOptions = {}): Runtime {
  const clock = options.clock ?? systemClock;
  const onError = options.onError ?? (() => {});
  if (options.redisUrl === undefined) {
    const rateLimiter = new MemoryRateLimiter(clock);
    const slots = new MemoryConcurrencySlots(clock);
    const sticky = new MemoryStickySessions(clock);
    return {
      mode: 'memory',
      admission: new MemoryAdmission(rateLimiter, slots, sticky, clock),
      rateLimiter,
      slots,
      sticky,
      health: new MemoryAccountHealth(clock, options.health),
      cacheBus: new MemoryCacheBus(onError),
      ready: async () => {},
      close: async () => {},
    };
  }
  const prefix = options.prefix ?? 'relay:';
  const clientOptions = { name: options.connectionName, commandTimeoutMs: options.commandTimeoutMs, onError };
  const client = createRedisClient(options.redisUrl, 'command', clientOptions);
  const subscriber = createRedisClient(options.redisUrl, 'subscriber', clientOptions);
  const cacheBus = new RedisCacheBus({ publisher: client, subscriber, prefix, onError });
  let versionChecked = false;
  return {
    mode: 'redis',
    admission: new RedisAdmission({ client, prefix, clock }),
    rateLimiter: new RedisRateLimiter({ client, prefix, clock }),
    slots: new RedisConcurrencySlots({ client, prefix, clock }),
    sticky: new RedisStickySessions({ client, prefix, clock }),
    health: new CachedAccountHealth(
      new RedisAccountHealth({ client, prefix, clock, options: options.health }),
      clock,
    ),
    cacheBus,
    ready: async (timeoutMs = 5_000) => {
      await readyRedis(client, cacheBus, timeoutMs);
      if (!versionChecked) {
        const problem = redisVersionProblem(await guarded('ready', client.info('server')));
        if (problem !== null) throw new RuntimeUnavailableError('ready', new Error(problem));
        versionChecked = true;
      }
    },
    close: async () => {
      cacheBus.detach();
      await Promise.all([quit(client), quit(subscriber)]);
    },
  };
}

/** The oldest Redis the scripts run on: they use `PEXPIRE … GT` (docs/adr/0023). */
export const MIN_REDIS_MAJOR = 7;

/**
 * Why the server described by `INFO server` cannot hold the runtime state, or null when it can.
 * Checked once per runtime at start, so an old Redis is refused by name instead of failing every
 * admission with a script error.
 */
export function redisVersionProblem(info: string): string | null {
  const version = /^redis_version:([^\r\n]+)/m.exec(info)?.[1]?.trim();
  if (version === undefined) return null;
  const major = Number.parseInt(version, 10);
  if (!Number.isFinite(major) || major >= MIN_REDIS_MAJOR) return null;
  return `Redis ${version} is too old: the gateway needs Redis ${MIN_REDIS_MAJOR}.0 or newer`;
}

/** Waits for the connection (listener removed on timeout, so /readyz polling leaks nothing). */
async function readyRedis(client: Redis, cacheBus: CacheBus, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  if (client.status !== 'ready') {
    await new Promise<void>((resolve, reject) => {
      const onReady = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        client.off('ready', onReady);
        reject(notReady(timeoutMs, client.status));
      }, timeoutMs);
      client.once('ready', onReady);
    });
  }
  await guarded('ready', client.ping());
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      cacheBus.ready(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(notReady(timeoutMs, 'subscribing')),
          Math.max(0, deadline - Date.now()),
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function notReady(timeoutMs: number, status: string): RuntimeUnavailableError {
  return new RuntimeUnavailableError('ready', new Error(`Redis not ready after ${timeoutMs} ms (${status})`));
}

/** QUIT when connected (lets in-flight replies arrive); otherwise just drop the connection. */
async function quit(client: Redis): Promise<void> {
  if (client.status === 'ready') {
    try {
      await client.quit();
      return;
    } catch {
      // fall through to disconnect
    }
  }
  client.disconnect();
}
