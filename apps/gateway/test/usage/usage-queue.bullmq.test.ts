import { randomBytes } from 'node:crypto';
import { waitFor } from '@relay/testkit';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createStore, type Store } from '../../src/store/store.ts';
import {
  BatchingUsageWriter,
  BullmqUsageQueue,
  DEFAULT_USAGE_QUEUE_NAME,
  encodeUsageRecord,
  startUsageWorker,
  USAGE_BATCH_JOB_NAME,
  USAGE_JOB_OPTIONS,
  type UsageWorker,
  usageJobId,
} from '../../src/usage/index.ts';
import { openPostgresTestDatabase, type TestDatabase } from '../store/test-databases.ts';
import { TcpProxy } from './tcp-proxy.ts';
import {
  captureLogger,
  DEFAULT_CHARGE,
  eventsOfKey,
  faultyStore,
  recordFor,
  seedTenant,
} from './usage-fixtures.ts';
import { type OpenedUsageQueue, usageQueueConformance } from './usage-queue.conformance.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const FAST_RETRY = { initialDelayMs: 20, maxDelayMs: 200 };

/** Every queue of this file lives under its own key prefix, deleted afterwards. */
const uniquePrefix = () => `{relay-test-${randomBytes(5).toString('hex')}}`;

let admin: Redis;
const prefixes: string[] = [];

async function deleteKeys(prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await admin.del(...keys);
  } while (cursor !== '0');
}

/** Jobs not yet settled by a worker (failed jobs excluded: they are settled for good). */
async function unsettledJobs(inspect: Queue): Promise<number> {
  const counts = await inspect.getJobCounts(
    'wait',
    'active',
    'delayed',
    'prioritized',
    'paused',
    'waiting-children',
  );
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

beforeAll(() => {
  admin = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  for (const prefix of prefixes.splice(0)) await deleteKeys(prefix);
  await admin.quit();
});

function openBullmq(
  store: Store,
  logger: ReturnType<typeof captureLogger>['logger'],
  options: {
    redisUrl?: string;
    maxBuffered?: number;
    overflow?: BatchingUsageWriter;
    worker?: boolean;
    closeTimeoutMs?: number;
  } = {},
): OpenedUsageQueue & { inspect: Queue; worker: UsageWorker | undefined; prefix: string } {
  const prefix = uniquePrefix();
  prefixes.push(prefix);
  const queue = new BullmqUsageQueue({
    redisUrl: options.redisUrl ?? REDIS_URL,
    prefix,
    logger,
    retry: FAST_RETRY,
    maxBuffered: options.maxBuffered,
    overflow: options.overflow,
    closeTimeoutMs: options.closeTimeoutMs ?? 2_000,
  });
  const worker =
    options.worker === false
      ? undefined
      : startUsageWorker({ redisUrl: REDIS_URL, store, prefix, logger, maxWaitMs: 10, retry: FAST_RETRY });
  const inspect = new Queue(DEFAULT_USAGE_QUEUE_NAME, { connection: admin, prefix });
  let closing: Promise<void> | undefined;
  return {
    queue,
    worker,
    inspect,
    prefix,
    drain: async () => {
      await queue.flush();
      await waitFor(async () => (await unsettledJobs(inspect)) === 0, {
        timeoutMs: 20_000,
        message: 'queue drained',
      });
    },
    close: () => {
      closing ??= (async () => {
        await queue.close();
        await worker?.close();
        await inspect.close();
      })();
      return closing;
    },
  };
}

usageQueueConformance({
  name: 'BullmqUsageQueue + usage worker on Redis and Postgres',
  setup: async () => {
    const database = await openPostgresTestDatabase();
    return { store: createStore(database.db), teardown: () => database.close() };
  },
  open: async (store, logger) => openBullmq(store, logger),
});

describe('BullmqUsageQueue', () => {
  let database: TestDatabase;
  let store: Store;
  const cleanups: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    database = await openPostgresTestDatabase();
    store = createStore(database.db);
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  afterAll(async () => {
    await database?.close();
  });

  it('ships the records of one linger interval as one job, and writes a request enqueued twice once', async () => {
    const { logger } = captureLogger();
    const opened = openBullmq(store, logger, { worker: false });
    cleanups.push(opened.close);
    const tenant = await seedTenant(store);
    const record = recordFor(tenant, { requestId: `dup:${Date.now()}` });
    opened.queue.enqueue(record);
    opened.queue.enqueue({ ...record });
    opened.queue.enqueue(recordFor(tenant));
    await opened.queue.flush();
    expect(await opened.inspect.getWaitingCount()).toBe(1);
    const [job] = await opened.inspect.getWaiting();
    expect(job?.name).toBe(USAGE_BATCH_JOB_NAME);
    expect((job?.data as { records?: unknown[] } | undefined)?.records).toHaveLength(3);
    expect(opened.queue.stats()).toMatchObject({ pending: 0, delivered: 3, dropped: 0 });

    const worker = startUsageWorker({ redisUrl: REDIS_URL, store, prefix: opened.prefix, logger });
    cleanups.push(() => worker.close());
    await opened.drain();
    expect(await eventsOfKey(store, tenant.apiKeyId)).toEqual({ events: 2, charged: 2n * DEFAULT_CHARGE });
    expect(worker.stats()).toMatchObject({ written: 2, duplicates: 1, batches: 1 });
  });

  it('still writes single-record jobs queued by an earlier version', async () => {
    const { logger } = captureLogger();
    const opened = openBullmq(store, logger);
    cleanups.push(opened.close);
    const tenant = await seedTenant(store);
    const record = recordFor(tenant);
    await opened.inspect.add('usage', encodeUsageRecord(record), {
      ...USAGE_JOB_OPTIONS,
      jobId: usageJobId(record.requestId),
    });
    await opened.drain();
    expect(await eventsOfKey(store, tenant.apiKeyId)).toEqual({ events: 1, charged: DEFAULT_CHARGE });
  });

  it('buffers while Redis is unreachable, never throwing, and delivers once it is back', async () => {
    const proxy = new TcpProxy('127.0.0.1', Number(new URL(REDIS_URL).port || 6379));
    await proxy.start();
    cleanups.push(() => proxy.stop());
    const { logger, lines } = captureLogger();
    const opened = openBullmq(store, logger, { redisUrl: `redis://127.0.0.1:${proxy.port}` });
    cleanups.push(opened.close);
    const tenant = await seedTenant(store, { balanceMicros: 1_000_000n });

    opened.queue.enqueue(recordFor(tenant));
    await opened.queue.flush();
    await proxy.stop();
    for (let i = 0; i < 20; i++) expect(() => opened.queue.enqueue(recordFor(tenant))).not.toThrow();
    await waitFor(() => opened.queue.stats().failedBatches > 0, {
      message: 'an add failed while Redis was down',
    });
    expect(opened.queue.pending()).toBe(20);
    expect(lines().some((l) => String(l.msg).includes('buffering and retrying'))).toBe(true);

    await proxy.start();
    await opened.queue.flush();
    expect(opened.queue.pending()).toBe(0);
    await opened.drain();
    expect(await eventsOfKey(store, tenant.apiKeyId)).toEqual({ events: 21, charged: 21n * DEFAULT_CHARGE });
    expect((await store.users.get(tenant.userId))?.balanceMicros).toBe(1_000_000n - 21n * DEFAULT_CHARGE);
  });

  it('hands records beyond the buffer bound, and those unsent at close, to the overflow queue', async () => {
    const proxy = new TcpProxy('127.0.0.1', Number(new URL(REDIS_URL).port || 6379));
    await proxy.start();
    await proxy.stop(); // Redis unreachable from the start
    cleanups.push(() => proxy.stop());
    const { logger, lines } = captureLogger();
    const overflow = new BatchingUsageWriter({ store, logger, flushIntervalMs: 10 });
    cleanups.push(() => overflow.close());
    const opened = openBullmq(store, logger, {
      redisUrl: `redis://127.0.0.1:${proxy.port}`,
      maxBuffered: 3,
      overflow,
      closeTimeoutMs: 200,
    });
    const tenant = await seedTenant(store, { balanceMicros: 1_000_000n });
    for (let i = 0; i < 5; i++) opened.queue.enqueue(recordFor(tenant));
    expect(opened.queue.pending()).toBe(3);
    expect(opened.queue.stats()).toMatchObject({ overflowed: 2, dropped: 0 });

    // Redis never comes back: close hands the three buffered records over too.
    await opened.close();
    await overflow.flush();
    expect(lines().some((l) => String(l.msg).includes('3 record(s) not in Redis'))).toBe(true);
    expect(opened.queue.stats()).toMatchObject({ overflowed: 5, dropped: 0, pending: 0 });
    expect(await eventsOfKey(store, tenant.apiKeyId)).toEqual({ events: 5, charged: 5n * DEFAULT_CHARGE });
  }, 20_000);

  it('leaves a job the database refuses in the failed set, with the reason', async () => {
    const tenant = await seedTenant(store);
    const poison = recordFor(tenant);
    const faulty = faultyStore(store, { poisonRequestIds: [poison.requestId] });
    const { logger } = captureLogger();
    const opened = openBullmq(faulty.store, logger);
    cleanups.push(opened.close);
    opened.queue.enqueue(poison);
    opened.queue.enqueue(recordFor(tenant));
    await opened.drain();
    await waitFor(async () => (await opened.inspect.getFailedCount()) === 1);
    const [failed] = await opened.inspect.getFailed();
    expect(failed?.failedReason).toMatch(/refused by the database/);
    expect(failed?.attemptsMade).toBe(1);
    expect(await eventsOfKey(store, tenant.apiKeyId)).toMatchObject({ events: 1 });
    expect(opened.worker?.stats()).toMatchObject({ written: 1, rejected: 1 });
  });
});
