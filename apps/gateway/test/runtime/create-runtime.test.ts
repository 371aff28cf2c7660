import { freePort, waitFor } from '@relay/testkit';
import { describe, expect, it } from 'vitest';
import { redisVersionProblem } from '../../src/runtime/create-runtime.ts';
import {
  type CacheEvent,
  createRuntime,
  RuntimeUnavailableError,
  redisOptionsFor,
} from '../../src/runtime/index.ts';
import { deleteUnder, keysUnder, REDIS_URL, testClient, uniquePrefix } from './support/redis.ts';

describe('redisVersionProblem', () => {
  it('refuses a Redis older than 7.0 by name and accepts 7.0 and later', () => {
    const info = (version: string) => `# Server\r\nredis_version:${version}\r\nredis_mode:standalone\r\n`;
    expect(redisVersionProblem(info('6.2.14'))).toBe(
      'Redis 6.2.14 is too old: the gateway needs Redis 7.0 or newer',
    );
    expect(redisVersionProblem(info('7.0.15'))).toBeNull();
    expect(redisVersionProblem(info('8.2.1'))).toBeNull();
    // A server that does not say (a proxy, a compatible store) is given the benefit of the doubt.
    expect(redisVersionProblem('# Server\r\n')).toBeNull();
  });
});

describe('createRuntime', () => {
  it('builds the in-memory runtime without a Redis URL', async () => {
    const runtime = createRuntime();
    expect(runtime.mode).toBe('memory');
    await runtime.ready();
    expect((await runtime.rateLimiter.consume({ key: 'k', limit: 1, windowMs: 1_000 })).allowed).toBe(true);
    expect((await runtime.slots.acquire({ key: 'k', limit: 1, holder: 'r', ttlMs: 1_000 })).acquired).toBe(
      true,
    );
    await runtime.sticky.set('s', 'acc_a');
    expect(await runtime.sticky.get('s')).toBe('acc_a');
    expect((await runtime.health.state(['acc_a'])).get('acc_a')?.status).toBe('closed');
    const events: CacheEvent[] = [];
    runtime.cacheBus.subscribe((e) => {
      events.push(e);
    });
    await runtime.cacheBus.publish({ kind: 'account', ids: ['acc_a'] });
    await waitFor(() => events.length === 1, { timeoutMs: 1_000 });
    await runtime.close();
  });

  it('builds the Redis runtime, with every key under its prefix, and closes cleanly', async () => {
    const prefix = uniquePrefix();
    const runtime = createRuntime({ redisUrl: REDIS_URL, prefix, connectionName: 'runtime-test:factory' });
    const inspector = await testClient();
    try {
      expect(runtime.mode).toBe('redis');
      await runtime.ready();
      await runtime.rateLimiter.consume({ key: 'k', limit: 1, windowMs: 1_000 });
      await runtime.slots.acquire({ key: 'k', limit: 1, holder: 'r', ttlMs: 1_000 });
      await runtime.sticky.set('s', 'acc_a');
      await runtime.health.recordFailure('acc_a', { kind: 'rate_limited' });
      expect((await keysUnder(inspector, prefix)).sort()).toEqual(
        [`${prefix}cs:k`, `${prefix}rb:k`, `${prefix}ss:s`, `${prefix}{ah}:acc_a`].sort(),
      );
      const events: CacheEvent[] = [];
      runtime.cacheBus.subscribe((e) => {
        events.push(e);
      });
      await runtime.cacheBus.publish({ kind: 'group', ids: ['grp_1'] });
      await waitFor(() => events.length === 1, { timeoutMs: 1_000 });
    } finally {
      await runtime.close();
      await deleteUnder(inspector, prefix);
      await inspector.quit();
    }
  });

  it('reports a Redis it cannot reach as not ready, fails calls fast and still closes', async () => {
    const port = await freePort();
    const runtime = createRuntime({ redisUrl: `redis://127.0.0.1:${port}` });
    const started = Date.now();
    await expect(runtime.ready(300)).rejects.toBeInstanceOf(RuntimeUnavailableError);
    await expect(
      runtime.slots.acquire({ key: 'k', limit: 1, holder: 'r', ttlMs: 1_000 }),
    ).rejects.toBeInstanceOf(RuntimeUnavailableError);
    await expect(runtime.cacheBus.publish({ kind: 'account', ids: [] })).rejects.toBeInstanceOf(
      RuntimeUnavailableError,
    );
    expect(Date.now() - started).toBeLessThan(1_000);
    await runtime.close();
  });

  it('gives each connection role its failure policy', () => {
    expect(redisOptionsFor('command')).toMatchObject({
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      lazyConnect: false,
      connectionName: 'relay-gateway:command',
    });
    expect(redisOptionsFor('worker').maxRetriesPerRequest).toBeNull();
    expect(redisOptionsFor('subscriber')).toMatchObject({ enableOfflineQueue: true, autoResubscribe: true });
    const retry = redisOptionsFor('command').retryStrategy;
    expect([1, 2, 3, 10, 1000].map((n) => retry?.(n))).toEqual([100, 200, 400, 2000, 2000]);
  });
});
