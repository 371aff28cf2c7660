import { freePort, waitFor } from '@relay/testkit';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CACHE_RESYNC_KIND,
  type CacheEvent,
  createRedisClient,
  RedisAccountHealth,
  RedisAdmission,
  RedisCacheBus,
  RedisConcurrencySlots,
  RedisRateLimiter,
  RedisStickySessions,
  RuntimeUnavailableError,
} from '../../src/runtime/index.ts';
import { RedisScript } from '../../src/runtime/redis-script.ts';
import { describeAccountHealthConformance } from './account-health.conformance.ts';
import { describeAdmissionConformance } from './admission.conformance.ts';
import { describeCacheBusConformance } from './cache-bus.conformance.ts';
import { describeConcurrencySlotsConformance } from './concurrency-slots.conformance.ts';
import { describeRateLimiterConformance } from './rate-limiter.conformance.ts';
import { describeStickySessionsConformance } from './sticky-sessions.conformance.ts';
import type { BackendFactory } from './support/conformance.ts';
import type { ManualClock } from './support/manual-clock.ts';
import {
  Connections,
  deleteUnder,
  keysUnder,
  REDIS_URL,
  testClient,
  uniquePrefix,
  waitUntilReady,
} from './support/redis.ts';
import { startSilentRedis } from './support/silent-redis.ts';

let shared: Redis;
beforeAll(async () => {
  shared = await testClient('runtime-test:shared');
});
afterAll(async () => {
  await shared.quit();
});

type Deps = { client: Redis; prefix: string; clock: ManualClock };

/** Each test gets a fresh key prefix; a peer is the same store through its own connection. */
function redisBackend<T>(create: (deps: Deps) => T): BackendFactory<T> {
  return async (clock) => {
    const prefix = uniquePrefix();
    const connections = new Connections();
    return {
      subject: create({ client: shared, prefix, clock }),
      peer: async () => create({ client: await connections.open('runtime-test:peer'), prefix, clock }),
      cleanup: async () => {
        await connections.closeAll();
        await deleteUnder(shared, prefix);
      },
    };
  };
}

describeRateLimiterConformance(
  'redis',
  redisBackend((deps) => new RedisRateLimiter(deps)),
);
describeConcurrencySlotsConformance(
  'redis',
  redisBackend((deps) => new RedisConcurrencySlots(deps)),
);
describeStickySessionsConformance(
  'redis',
  redisBackend((deps) => new RedisStickySessions(deps)),
);
describeAdmissionConformance(
  'redis',
  redisBackend((deps) => ({
    admission: new RedisAdmission(deps),
    slots: new RedisConcurrencySlots(deps),
    sticky: new RedisStickySessions(deps),
  })),
);
describeAccountHealthConformance(
  'redis',
  redisBackend((deps) => new RedisAccountHealth(deps)),
);

/** A bus instance owns a publisher and a dedicated subscriber connection, like a gateway process. */
describeCacheBusConformance('redis', async () => {
  const prefix = uniquePrefix();
  const opened: { bus: RedisCacheBus; publisher: Redis; subscriber: Redis }[] = [];
  const open = async (): Promise<RedisCacheBus> => {
    const publisher = await testClient('runtime-test:bus-pub');
    const subscriber = createRedisClient(REDIS_URL, 'subscriber', { name: 'runtime-test:bus-sub' });
    const bus = new RedisCacheBus({ publisher, subscriber, prefix });
    opened.push({ bus, publisher, subscriber });
    return bus;
  };
  return {
    subject: await open(),
    peer: open,
    cleanup: async () => {
      for (const { bus, publisher, subscriber } of opened) {
        bus.detach();
        await publisher.quit();
        subscriber.disconnect();
      }
    },
  };
});

describe('Redis runtime specifics', () => {
  it('gives every key it writes a TTL', async () => {
    const prefix = uniquePrefix();
    const deps = { client: shared, prefix };
    await new RedisRateLimiter(deps).consumeMany([
      { key: 'rpm:k', limit: 5, windowMs: 60_000 },
      { key: 'tpm:k', limit: 5000, windowMs: 60_000, cost: 300 },
    ]);
    await new RedisRateLimiter(deps).adjust('tpm:k', 200);
    await new RedisConcurrencySlots(deps).acquireMany([
      { key: 'key:k', limit: 2, holder: 'r1', ttlMs: 30_000 },
      { key: 'acc:a', limit: 2, holder: 'r1', ttlMs: 30_000 },
    ]);
    await new RedisStickySessions(deps).set('s1', 'acc_a');
    await new RedisStickySessions(deps).get('s1', 3_600_000);
    const health = new RedisAccountHealth(deps);
    await health.recordFailure('acc_a', { kind: 'server_error' });
    await health.recordFailure('acc_b', { kind: 'rate_limited' });
    for (let i = 0; i < 3; i++) await health.recordFailure('acc_c', { kind: 'timeout' });
    const keys = await keysUnder(shared, prefix);
    expect(keys).toHaveLength(8);
    for (const key of keys) expect(await shared.pttl(key), key).toBeGreaterThan(0);
    await deleteUnder(shared, prefix);
  });

  it("keeps a slot set alive for its longest lease: a shorter lease never moves the key's expiry earlier", async () => {
    const prefix = uniquePrefix();
    const slots = new RedisConcurrencySlots({ client: shared, prefix });
    await slots.acquire({ key: 'key:k', limit: 5, holder: 'long', ttlMs: 600_000 });
    await slots.acquire({ key: 'key:k', limit: 5, holder: 'short', ttlMs: 2_000 });
    expect(await shared.pttl(`${prefix}cs:key:k`)).toBeGreaterThan(590_000);
    // And a set that emptied and was deleted starts over with the new lease's expiry.
    await slots.releaseMany([
      { key: 'key:k', holder: 'long' },
      { key: 'key:k', holder: 'short' },
    ]);
    await slots.acquire({ key: 'key:k', limit: 5, holder: 'next', ttlMs: 2_000 });
    const ttl = await shared.pttl(`${prefix}cs:key:k`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(2_000);
    await deleteUnder(shared, prefix);
  });

  it('makes exactly one round trip per hot-path call', async () => {
    const prefix = uniquePrefix();
    const client = await testClient('runtime-test:count');
    const deps = { client, prefix };
    const limiter = new RedisRateLimiter(deps);
    const slots = new RedisConcurrencySlots(deps);
    const health = new RedisAccountHealth(deps);
    const sticky = new RedisStickySessions(deps);
    const levels = ['key', 'user', 'acc'].map((level) => ({
      key: level,
      limit: 3,
      holder: 'r1',
      ttlMs: 10_000,
    }));
    const limits = ['key', 'user', 'group'].map((level) => ({ key: level, limit: 3, windowMs: 60_000 }));
    const hotPath = async () => {
      await sticky.get('sess', 3_600_000);
      await health.state(['a1', 'a2', 'a3', 'a4', 'a5']);
      await limiter.consumeMany(limits);
      await slots.acquireMany(levels);
      await slots.releaseMany(levels);
      await limiter.adjustMany([{ key: 'group', delta: 1 }]);
    };
    await hotPath(); // loads the scripts (NOSCRIPT → EVAL once per script)
    let commands = 0;
    const send = client.sendCommand.bind(client);
    client.sendCommand = ((...args: Parameters<Redis['sendCommand']>) => {
      commands += 1;
      return send(...args);
    }) as Redis['sendCommand'];
    await hotPath();
    expect(commands).toBe(6);
    await deleteUnder(shared, prefix);
    await client.quit();
  });

  it('admits, renews and releases a request in one round trip each', async () => {
    const prefix = uniquePrefix();
    const client = await testClient('runtime-test:count-admission');
    const admission = new RedisAdmission({ client, prefix });
    const request = (id: string) => ({
      tenant: 'usr_rt',
      requestId: id,
      leaseTtlMs: 10_000,
      limits: [
        { key: '{usr_rt}:rpm:key', limit: 100, windowMs: 60_000 },
        { key: '{usr_rt}:tpm:key', limit: 10_000, windowMs: 60_000, cost: 50 },
      ],
      slots: [
        { key: '{usr_rt}:conc:key', limit: 5 },
        { key: '{usr_rt}:conc:user', limit: 5 },
      ],
      sticky: { key: '{usr_rt}:sticky:s', refreshTtlMs: 60_000 },
      budgets: [
        {
          key: '{usr_rt}:budget:key',
          capMicros: 1_000_000n,
          usedMicros: 0n,
          version: 1,
          loadedAt: Date.now(),
          reserveMicros: 1_000n,
        },
      ],
    });
    const cycle = async (id: string) => {
      expect((await admission.admit(request(id))).admitted).toBe(true);
      expect(await admission.renew(request(id), 10_000)).toBe(true);
      await admission.release(request(id), {
        chargedMicros: 10n,
        adjust: [{ key: '{usr_rt}:tpm:key', delta: -20 }],
      });
    };
    await cycle('warm'); // loads the scripts
    let commands = 0;
    const send = client.sendCommand.bind(client);
    client.sendCommand = ((...args: Parameters<Redis['sendCommand']>) => {
      commands += 1;
      return send(...args);
    }) as Redis['sendCommand'];
    await cycle('counted');
    expect(commands).toBe(3);
    await deleteUnder(shared, prefix);
    await client.quit();
  });

  it('falls back to EVAL when Redis does not know a script yet', async () => {
    const script = new RedisScript('test', `return ARGV[1] .. '${uniquePrefix()}'`);
    expect(String(await script.run(shared, [], ['ok:']))).toMatch(/^ok:test:/);
    expect(String(await script.run(shared, [], ['again:']))).toMatch(/^again:test:/);
  });

  it('fails fast with RuntimeUnavailableError when Redis is down, and never touches it for limit 0', async () => {
    const port = await freePort();
    const errors: Error[] = [];
    const down = createRedisClient(`redis://127.0.0.1:${port}`, 'command', {
      onError: (e) => errors.push(e),
    });
    const deps = { client: down, prefix: uniquePrefix() };
    const limiter = new RedisRateLimiter(deps);
    const slots = new RedisConcurrencySlots(deps);
    const started = Date.now();
    const calls: Promise<unknown>[] = [
      limiter.consume({ key: 'k', limit: 5, windowMs: 60_000 }),
      limiter.adjust('k', 3),
      slots.acquireMany([{ key: 'k', limit: 1, holder: 'r', ttlMs: 1_000 }]),
      slots.release('k', 'r'),
      slots.inUse('k'),
      new RedisStickySessions(deps).get('s'),
      new RedisAccountHealth(deps).state(['a']),
      new RedisAccountHealth(deps).recordFailure('a', { kind: 'timeout' }),
    ];
    for (const call of calls) {
      const error = await call.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(RuntimeUnavailableError);
      expect((error as RuntimeUnavailableError).code).toBe('LIMITER_UNAVAILABLE');
    }
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await limiter.consume({ key: 'k', limit: 0, windowMs: 60_000 })).toMatchObject({ allowed: true });
    expect(await slots.acquire({ key: 'k', limit: 0, holder: 'r', ttlMs: 1_000 })).toEqual({
      acquired: true,
      inUse: 0,
    });
    await waitFor(() => errors.length > 0, { timeoutMs: 2_000 });
    down.disconnect();
  });

  it('times out instead of hanging when Redis accepts the connection but never answers', async () => {
    const silent = await startSilentRedis();
    const client = createRedisClient(silent.url, 'command', { commandTimeoutMs: 200 });
    try {
      await waitUntilReady(client);
      const started = Date.now();
      const error = await new RedisRateLimiter({ client, prefix: 'x:' })
        .consume({ key: 'k', limit: 1, windowMs: 1_000 })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RuntimeUnavailableError);
      expect(Date.now() - started).toBeLessThan(1_000);
    } finally {
      client.disconnect();
      await silent.close();
    }
  });

  it('recovers by itself after its connection is dropped', async () => {
    const name = `runtime-test:drop:${uniquePrefix()}`;
    const client = createRedisClient(REDIS_URL, 'command', { name });
    await waitUntilReady(client);
    const prefix = uniquePrefix();
    const limiter = new RedisRateLimiter({ client, prefix });
    const rpm = { key: 'k', limit: 100, windowMs: 60_000 };
    await limiter.consume(rpm);
    await killConnection(name);
    await waitFor(async () => (await limiter.consume(rpm)).allowed, { timeoutMs: 5_000 });
    await deleteUnder(shared, prefix);
    client.disconnect();
  });

  it('tells cache-bus subscribers to resync after the subscriber reconnects', async () => {
    const prefix = uniquePrefix();
    const name = `runtime-test:resync:${prefix}`;
    const subscriber = createRedisClient(REDIS_URL, 'subscriber', { name });
    const bus = new RedisCacheBus({ publisher: shared, subscriber, prefix });
    try {
      await bus.ready();
      const events: CacheEvent[] = [];
      bus.subscribe((e) => {
        events.push(e);
      });
      await killConnection(name);
      await waitFor(() => events.some((e) => e.kind === CACHE_RESYNC_KIND), { timeoutMs: 5_000 });
      // The subscription is live again: ordinary events flow.
      await bus.publish({ kind: 'account', ids: ['acc_1'] });
      await waitFor(() => events.some((e) => e.kind === 'account'), { timeoutMs: 1_000 });
    } finally {
      bus.detach();
      subscriber.disconnect();
    }
  });
});

/** Kills one connection by its unique name (`<name>:<role>`), as a Redis restart or network blip would. */
async function killConnection(name: string): Promise<void> {
  const list = String(await shared.client('LIST'));
  const line = list.split('\n').find((l) => l.includes(` name=${name}:`));
  const id = line?.match(/^id=(\d+)/)?.[1];
  if (id === undefined) throw new Error(`connection ${name} not found`);
  await shared.client('KILL', 'ID', id);
}
