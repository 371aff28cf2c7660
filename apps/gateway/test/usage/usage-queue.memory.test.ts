import { waitFor } from '@relay/testkit';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore, type Store } from '../../src/store/store.ts';
import { BatchingUsageWriter, registerUsageMetrics } from '../../src/usage/index.ts';
import { openPgliteTestDatabase, type TestDatabase } from '../store/test-databases.ts';
import {
  captureLogger,
  DEFAULT_CHARGE,
  eventsOfKey,
  faultyStore,
  recordFor,
  seedTenant,
} from './usage-fixtures.ts';
import { usageQueueConformance } from './usage-queue.conformance.ts';

const FAST_RETRY = { initialDelayMs: 10, maxDelayMs: 100 };

// One in-memory PGlite for the whole file (booting one takes seconds); tests use fresh tenants.
let opening: Promise<TestDatabase> | undefined;
const sharedDatabase = () => {
  opening ??= openPgliteTestDatabase();
  return opening;
};
afterAll(async () => {
  await (await opening)?.close();
});

usageQueueConformance({
  name: 'BatchingUsageWriter on PGlite',
  setup: async () => {
    const database = await sharedDatabase();
    return { store: createStore(database.db), teardown: async () => {} };
  },
  open: async (store, logger) => {
    const writer = new BatchingUsageWriter({ store, logger, flushIntervalMs: 20, retry: FAST_RETRY });
    return { queue: writer, drain: () => writer.flush(), close: () => writer.close() };
  },
});

describe('BatchingUsageWriter', () => {
  let store: Store;

  beforeAll(async () => {
    store = createStore((await sharedDatabase()).db);
  });

  it('writes a full batch in one transaction with one debit per distinct user and key', async () => {
    const faulty = faultyStore(store);
    const { logger } = captureLogger();
    const writer = new BatchingUsageWriter({
      store: faulty.store,
      logger,
      maxBatchSize: 200,
      flushIntervalMs: 10_000,
    });
    const a = await seedTenant(store);
    const b = await seedTenant(store);
    for (let i = 0; i < 100; i++) {
      writer.enqueue(recordFor(a));
      writer.enqueue(recordFor(b));
    }
    // A full batch is written without waiting for the (long) interval.
    await waitFor(() => writer.pending() === 0);
    expect((await eventsOfKey(store, b.apiKeyId)).events).toBe(100);
    expect(faulty.calls).toEqual({ transactions: 1, adjustBalance: 2, addQuotaUsed: 2, addUsage: 0 });
    expect(writer.stats()).toMatchObject({
      written: 200,
      batches: 1,
      pending: 0,
      delivered: 200,
      failedBatches: 0,
    });
    const registry = new Registry();
    registerUsageMetrics(registry, { queue: writer, writer });
    const text = await registry.metrics();
    expect(text).toContain('relay_gateway_usage_events_written_total 200');
    expect(text).toContain('relay_gateway_usage_pending 0');
    expect(text).toContain('relay_gateway_usage_write_failed_batches_total 0');
    await writer.close();
  });

  it('writes a partial batch after the flush interval, without an explicit flush', async () => {
    const { logger } = captureLogger();
    const writer = new BatchingUsageWriter({ store, logger, flushIntervalMs: 30 });
    const tenant = await seedTenant(store);
    const record = recordFor(tenant);
    writer.enqueue(record);
    expect(writer.pending()).toBe(1);
    await waitFor(() => store.usageEvents.getByRequestId(record.requestId));
    expect(writer.pending()).toBe(0);
    await writer.close();
  });

  it('counts failed attempts and keeps retrying the same batch until it is written', async () => {
    const faulty = faultyStore(store, { failTransactions: 3 });
    const { logger, lines } = captureLogger();
    const writer = new BatchingUsageWriter({
      store: faulty.store,
      logger,
      flushIntervalMs: 5,
      retry: FAST_RETRY,
    });
    const tenant = await seedTenant(store);
    for (let i = 0; i < 5; i++) writer.enqueue(recordFor(tenant));
    await writer.flush();
    expect(await eventsOfKey(store, tenant.apiKeyId)).toEqual({ events: 5, charged: 5n * DEFAULT_CHARGE });
    expect(writer.stats()).toMatchObject({ written: 5, failedBatches: 3, pending: 0 });
    expect(lines().filter((l) => l.msg === 'usage batch write failed; will retry')).toHaveLength(3);
    await writer.close();
  });

  it('close() gives up after its timeout while the database stays down, and logs every unwritten record', async () => {
    const faulty = faultyStore(store, { failTransactions: Number.MAX_SAFE_INTEGER });
    const { logger, lines } = captureLogger();
    const writer = new BatchingUsageWriter({
      store: faulty.store,
      logger,
      flushIntervalMs: 5,
      retry: FAST_RETRY,
      closeTimeoutMs: 200,
    });
    const tenant = await seedTenant(store);
    const records = [recordFor(tenant), recordFor(tenant)];
    for (const record of records) writer.enqueue(record);
    const started = Date.now();
    await writer.close();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(faulty.injectedFailures()).toBeGreaterThan(0);
    expect((await eventsOfKey(store, tenant.apiKeyId)).events).toBe(0);
    const report = lines().find(
      (l) => typeof l.msg === 'string' && l.msg.startsWith('usage writer closed with 2'),
    );
    const unwritten = (report?.usage ?? []) as Array<{ requestId: string }>;
    expect(unwritten.map((u) => u.requestId)).toEqual(records.map((r) => r.requestId));
  });
});
