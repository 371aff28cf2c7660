import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore, type Store } from '../../src/store/store.ts';
import { writeUsageBatch } from '../../src/usage/index.ts';
import { openPgliteTestDatabase, type TestDatabase } from '../store/test-databases.ts';
import {
  DEFAULT_CHARGE,
  debitsOf,
  eventsOfKey,
  faultyStore,
  recordFor,
  seedTenant,
} from './usage-fixtures.ts';

describe('writeUsageBatch', () => {
  let database: TestDatabase;
  let store: Store;

  beforeAll(async () => {
    database = await openPgliteTestDatabase();
    store = createStore(database.db);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('charges nothing twice when the same batch is written again', async () => {
    const tenant = await seedTenant(store, { balanceMicros: 1_000_000n });
    const batch = [recordFor(tenant), recordFor(tenant), recordFor(tenant)];
    const first = await writeUsageBatch(store, batch);
    const again = await writeUsageBatch(store, batch);
    expect(first.written).toHaveLength(3);
    expect(again).toMatchObject({ written: [], rejected: [] });
    expect(again.duplicates).toHaveLength(3);
    expect(await debitsOf(store, tenant)).toMatchObject({
      balanceMicros: 1_000_000n - 3n * DEFAULT_CHARGE,
      quotaUsedMicros: 3n * DEFAULT_CHARGE,
    });
  });

  it('reports a request id repeated within one batch as a duplicate', async () => {
    const tenant = await seedTenant(store);
    const record = recordFor(tenant);
    const result = await writeUsageBatch(store, [record, { ...record }]);
    expect(result.written).toHaveLength(1);
    expect(result.duplicates).toHaveLength(1);
  });

  it('splits a batch into short statements in one transaction, charging each new request once', async () => {
    const tenant = await seedTenant(store, { balanceMicros: 1_000_000n });
    const old = recordFor(tenant);
    await writeUsageBatch(store, [old]);
    const fresh = [recordFor(tenant), recordFor(tenant), recordFor(tenant), recordFor(tenant)];
    const result = await writeUsageBatch(store, [...fresh, old, { ...fresh[0] } as typeof old], {
      rowsPerStatement: 2,
    });
    expect(result.written).toHaveLength(4);
    expect(result.duplicates).toHaveLength(2);
    expect(await eventsOfKey(store, tenant.apiKeyId)).toEqual({ events: 5, charged: 5n * DEFAULT_CHARGE });
    expect(await debitsOf(store, tenant)).toMatchObject({ balanceMicros: 1_000_000n - 5n * DEFAULT_CHARGE });
  });

  it('rolls the events back when a debit fails, so the retry charges exactly once', async () => {
    const tenant = await seedTenant(store, { balanceMicros: 1_000_000n });
    const faulty = faultyStore(store, { failBalanceDebits: 1 });
    const batch = [recordFor(tenant), recordFor(tenant)];
    await expect(writeUsageBatch(faulty.store, batch)).rejects.toThrow(/Connection terminated/);
    expect(await eventsOfKey(store, tenant.apiKeyId)).toEqual({ events: 0, charged: 0n });
    expect(await debitsOf(store, tenant)).toMatchObject({ balanceMicros: 1_000_000n, quotaUsedMicros: 0n });

    const retried = await writeUsageBatch(faulty.store, batch);
    expect(retried.written).toHaveLength(2);
    expect(await debitsOf(store, tenant)).toMatchObject({ balanceMicros: 1_000_000n - 2n * DEFAULT_CHARGE });
  });

  it('isolates invalid records by bisecting and returns them as rejected', async () => {
    const tenant = await seedTenant(store);
    const batch = Array.from({ length: 8 }, () => recordFor(tenant));
    const bad = [batch[2]?.requestId ?? '', batch[7]?.requestId ?? ''];
    const faulty = faultyStore(store, { poisonRequestIds: bad });
    const result = await writeUsageBatch(faulty.store, batch);
    expect(result.written).toHaveLength(6);
    expect(result.rejected.map((r) => r.record.requestId).sort()).toEqual([...bad].sort());
    expect(await eventsOfKey(store, tenant.apiKeyId)).toEqual({ events: 6, charged: 6n * DEFAULT_CHARGE });
  });

  it('stores out-of-range figures clamped and strips NUL characters instead of failing the batch', async () => {
    const tenant = await seedTenant(store);
    const record = recordFor(tenant, {
      promptTokens: 1e12,
      cachedTokens: 0,
      completionTokens: Number.NaN,
      latencyMs: -5,
      ttftMs: 3.7,
      attempts: 0,
      modelRequested: 'gpt\u0000-test',
      price: null,
    });
    const result = await writeUsageBatch(store, [record]);
    expect(result.written).toHaveLength(1);
    expect(await store.usageEvents.getByRequestId(record.requestId)).toMatchObject({
      promptTokens: 2_147_483_647,
      completionTokens: 0,
      latencyMs: 0,
      ttftMs: 3,
      attempts: 1,
      modelRequested: 'gpt-test',
    });
  });

  it('takes the subscription windows, not the balance, in subscription mode', async () => {
    const tenant = await seedTenant(store, { balanceMicros: 500n, billingMode: 'subscription' });
    await writeUsageBatch(store, [recordFor(tenant), recordFor(tenant)]);
    expect(await debitsOf(store, tenant)).toEqual({
      balanceMicros: 500n,
      quotaUsedMicros: 2n * DEFAULT_CHARGE,
      dailyUsedMicros: 2n * DEFAULT_CHARGE,
      weeklyUsedMicros: 2n * DEFAULT_CHARGE,
      monthlyUsedMicros: 2n * DEFAULT_CHARGE,
    });
  });
});
