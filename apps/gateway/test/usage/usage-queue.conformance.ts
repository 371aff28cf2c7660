import { waitFor } from '@relay/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.ts';
import type { UsageQueue } from '../../src/usage/index.ts';
import {
  captureLogger,
  DEFAULT_CHARGE,
  DEFAULT_COST,
  debitsOf,
  eventsOfKey,
  eventsWithRequestId,
  faultyStore,
  recordFor,
  type StoreFaults,
  seedTenant,
} from './usage-fixtures.ts';

/** A queue plus whatever writes it to the database, as one implementation wires them. */
export interface OpenedUsageQueue {
  queue: UsageQueue;
  /** Resolves once everything enqueued so far has been processed by the database writer. */
  drain(): Promise<void>;
  /** Closes the queue and its writer (idempotent). */
  close(): Promise<void>;
}

export interface UsageQueueBackend {
  name: string;
  /** Once per test file: the database (and whatever else) the queues of this file write to. */
  setup(): Promise<{ store: Store; teardown(): Promise<void> }>;
  /** A fresh queue whose database writes go through `store`. */
  open(store: Store, logger: ReturnType<typeof captureLogger>['logger']): Promise<OpenedUsageQueue>;
}

const DRAIN_TIMEOUT_MS = 20_000;

/**
 * One suite for every UsageQueue implementation: what the relay relies on, whichever is wired in.
 * Every test seeds its own tenant (fresh ids), so tests never see each other's rows.
 */
export function usageQueueConformance(backend: UsageQueueBackend): void {
  describe(`UsageQueue conformance: ${backend.name}`, () => {
    let store: Store;
    let teardown: () => Promise<void>;
    const opened: OpenedUsageQueue[] = [];

    const open = async (faults: StoreFaults = {}) => {
      const faulty = faultyStore(store, faults);
      const log = captureLogger();
      const queue = await backend.open(faulty.store, log.logger);
      opened.push(queue);
      return { ...queue, faulty, log };
    };

    beforeAll(async () => {
      ({ store, teardown } = await backend.setup());
    });
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((q) => q.close()));
    });
    afterAll(async () => {
      await teardown?.();
    });

    it('writes every enqueued record as exactly one usage_event carrying its cost and charge', async () => {
      const { queue, drain } = await open();
      const tenant = await seedTenant(store, { balanceMicros: 100_000_000n });
      const createdAt = new Date('2025-06-01T12:00:00.000Z');
      const first = recordFor(tenant, { createdAt, channelId: 'chn_test', usageEstimated: true });
      queue.enqueue(first);
      const total = 450; // more than two default batches
      for (let i = 1; i < total; i++) queue.enqueue(recordFor(tenant));
      await queue.flush();
      await drain();

      await waitFor(async () => (await eventsOfKey(store, tenant.apiKeyId)).events === total, {
        timeoutMs: DRAIN_TIMEOUT_MS,
      });
      const row = await store.usageEvents.getByRequestId(first.requestId);
      expect(row).toMatchObject({
        requestId: first.requestId,
        apiKeyId: tenant.apiKeyId,
        userId: tenant.userId,
        groupId: tenant.groupId,
        accountId: 'acc_test',
        channelId: 'chn_test',
        endpoint: '/v1/chat/completions',
        modelRequested: 'gpt-test',
        modelUpstream: 'gpt-test-2025',
        stream: true,
        statusCode: 200,
        errorCode: null,
        promptTokens: 1000,
        completionTokens: 500,
        cachedTokens: 400,
        usageEstimated: true,
        costMicros: DEFAULT_COST,
        chargedMicros: DEFAULT_CHARGE,
        latencyMs: 321,
        ttftMs: 45,
        attempts: 1,
      });
      expect(row?.createdAt.toISOString()).toBe(createdAt.toISOString());
      expect(row?.id).toMatch(/^evt_/);

      const expected = DEFAULT_CHARGE * BigInt(total);
      expect(await eventsOfKey(store, tenant.apiKeyId)).toEqual({ events: total, charged: expected });
      expect(await debitsOf(store, tenant)).toMatchObject({
        balanceMicros: 100_000_000n - expected,
        quotaUsedMicros: expected,
      });
      expect(queue.pending()).toBe(0);
    });

    it('writes and debits a request enqueued several times only once', async () => {
      const { queue, drain } = await open();
      const tenant = await seedTenant(store, { balanceMicros: 1_000_000n });
      const twice = recordFor(tenant);
      queue.enqueue(twice);
      queue.enqueue(twice);
      queue.enqueue({ ...twice });
      await queue.flush();
      await drain();
      await waitFor(async () => (await eventsWithRequestId(store, twice.requestId)) === 1, {
        timeoutMs: DRAIN_TIMEOUT_MS,
      });

      // Redelivered after it was written: still one event, one debit.
      queue.enqueue({ ...twice });
      await queue.flush();
      await drain();

      expect(await eventsOfKey(store, tenant.apiKeyId)).toEqual({ events: 1, charged: DEFAULT_CHARGE });
      expect(await debitsOf(store, tenant)).toMatchObject({
        balanceMicros: 1_000_000n - DEFAULT_CHARGE,
        quotaUsedMicros: DEFAULT_CHARGE,
      });
    });

    it('debits each tenant by the exact sum of its charges: balance, key quota, subscription windows', async () => {
      const { queue, drain } = await open();
      const payer = await seedTenant(store, { balanceMicros: 5_000_000n });
      const other = await seedTenant(store, { balanceMicros: 7_000_000n });
      const subscriber = await seedTenant(store, { balanceMicros: 3_000_000n, billingMode: 'subscription' });
      // Interleaved so each batch holds several tenants and several events per tenant.
      for (let i = 0; i < 60; i++) {
        queue.enqueue(recordFor(payer, { completionTokens: i })); // cost 1400 + 8i, charged round(1.5 × cost)
        queue.enqueue(recordFor(other, { promptTokens: 3, cachedTokens: 0, completionTokens: 0 })); // 6 µUSD → 9
        queue.enqueue(recordFor(subscriber));
      }
      await queue.flush();
      await drain();
      await waitFor(async () => (await eventsOfKey(store, subscriber.apiKeyId)).events === 60, {
        timeoutMs: DRAIN_TIMEOUT_MS,
      });
      await waitFor(async () => (await eventsOfKey(store, payer.apiKeyId)).events === 60, {
        timeoutMs: DRAIN_TIMEOUT_MS,
      });
      await waitFor(async () => (await eventsOfKey(store, other.apiKeyId)).events === 60, {
        timeoutMs: DRAIN_TIMEOUT_MS,
      });

      let payerTotal = 0n;
      for (let i = 0; i < 60; i++) payerTotal += (3n * (1400n + 8n * BigInt(i)) + 1n) / 2n;
      expect(await eventsOfKey(store, payer.apiKeyId)).toEqual({ events: 60, charged: payerTotal });
      expect(await debitsOf(store, payer)).toMatchObject({
        balanceMicros: 5_000_000n - payerTotal,
        quotaUsedMicros: payerTotal,
      });
      expect(await debitsOf(store, other)).toMatchObject({
        balanceMicros: 7_000_000n - 60n * 9n,
        quotaUsedMicros: 60n * 9n,
      });
      const subscriptionTotal = 60n * DEFAULT_CHARGE;
      expect(await debitsOf(store, subscriber)).toEqual({
        balanceMicros: 3_000_000n, // subscription mode never touches the balance
        quotaUsedMicros: subscriptionTotal,
        dailyUsedMicros: subscriptionTotal,
        weeklyUsedMicros: subscriptionTotal,
        monthlyUsedMicros: subscriptionTotal,
      });
    });

    it('records an unpriced model at cost 0 and debits nothing', async () => {
      const { queue, drain } = await open();
      const tenant = await seedTenant(store, { balanceMicros: 1_000n });
      const unpriced = recordFor(tenant, { price: null, modelRequested: 'mystery-model' });
      queue.enqueue(unpriced);
      await queue.flush();
      await drain();
      const row = await waitFor(() => store.usageEvents.getByRequestId(unpriced.requestId), {
        timeoutMs: DRAIN_TIMEOUT_MS,
      });
      expect(row).toMatchObject({ modelRequested: 'mystery-model', costMicros: 0n, chargedMicros: 0n });
      expect(await debitsOf(store, tenant)).toMatchObject({ balanceMicros: 1_000n, quotaUsedMicros: 0n });
    });

    it('accepts any sane request id, including digits only and colons', async () => {
      const { queue, drain } = await open();
      const tenant = await seedTenant(store);
      const ids = [`${Date.now()}${process.pid}`, `trace:${Date.now()}:span:1`, `pct%3A${Date.now()}`];
      for (const requestId of ids) queue.enqueue(recordFor(tenant, { requestId }));
      await queue.flush();
      await drain();
      await waitFor(async () => (await eventsOfKey(store, tenant.apiKeyId)).events === ids.length, {
        timeoutMs: DRAIN_TIMEOUT_MS,
      });
      for (const requestId of ids) expect(await eventsWithRequestId(store, requestId)).toBe(1);
    });

    it('keeps a batch that hits a database error and writes it once the database answers', async () => {
      const { queue, drain, faulty } = await open({ failTransactions: 2 });
      const tenant = await seedTenant(store, { balanceMicros: 1_000_000n });
      for (let i = 0; i < 30; i++) queue.enqueue(recordFor(tenant));
      await queue.flush();
      await drain();
      await waitFor(async () => (await eventsOfKey(store, tenant.apiKeyId)).events === 30, {
        timeoutMs: DRAIN_TIMEOUT_MS,
      });
      expect(faulty.injectedFailures()).toBe(2);
      const expected = 30n * DEFAULT_CHARGE;
      expect(await eventsOfKey(store, tenant.apiKeyId)).toEqual({ events: 30, charged: expected });
      expect(await debitsOf(store, tenant)).toMatchObject({
        balanceMicros: 1_000_000n - expected,
        quotaUsedMicros: expected,
      });
    });

    it('isolates a record the database refuses, writing the rest of its batch', async () => {
      const tenant = await seedTenant(store, { balanceMicros: 1_000_000n });
      const records = Array.from({ length: 10 }, () => recordFor(tenant));
      const poison = records[3]?.requestId ?? '';
      const { queue, drain, log } = await open({ poisonRequestIds: [poison] });
      for (const record of records) queue.enqueue(record);
      await queue.flush();
      await drain();
      await waitFor(async () => (await eventsOfKey(store, tenant.apiKeyId)).events === 9, {
        timeoutMs: DRAIN_TIMEOUT_MS,
      });
      expect(await eventsWithRequestId(store, poison)).toBe(0);
      expect(await debitsOf(store, tenant)).toMatchObject({
        balanceMicros: 1_000_000n - 9n * DEFAULT_CHARGE,
      });
      // The refused record is logged in full, so it can be corrected and replayed.
      await waitFor(() =>
        log.lines().some((l) => (l.usage as { requestId?: string } | undefined)?.requestId === poison),
      );
    });

    it('accepts records synchronously, and close() writes everything still pending', async () => {
      const { queue, drain } = await open();
      const tenant = await seedTenant(store);
      for (let i = 0; i < 120; i++) queue.enqueue(recordFor(tenant));
      // enqueue did no I/O: every record is still pending right after the loop.
      expect(queue.pending()).toBe(120);
      await queue.close();
      expect(queue.pending()).toBe(0);
      await drain();
      await waitFor(async () => (await eventsOfKey(store, tenant.apiKeyId)).events === 120, {
        timeoutMs: DRAIN_TIMEOUT_MS,
      });
      expect((await eventsOfKey(store, tenant.apiKeyId)).charged).toBe(120n * DEFAULT_CHARGE);
    });

    it('never throws from enqueue, even after close; such a record is counted and logged', async () => {
      const { queue, log } = await open();
      const tenant = await seedTenant(store);
      await queue.close();
      const late = recordFor(tenant);
      expect(() => queue.enqueue(late)).not.toThrow();
      expect(queue.stats().dropped).toBe(1);
      expect(
        log
          .lines()
          .some((l) => (l.usage as { requestId?: string } | undefined)?.requestId === late.requestId),
      ).toBe(true);
    });
  });
}
