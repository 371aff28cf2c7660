import { Writable } from 'node:stream';
import { count, eq, sum } from 'drizzle-orm';
import { createLogger, type Logger } from '../../src/logger.ts';
import { ID_PREFIX, newId } from '../../src/store/ids.ts';
import { usageEvents } from '../../src/store/schema.ts';
import type { Store } from '../../src/store/store.ts';
import type { PriceMicros, UsageRecord } from '../../src/usage/index.ts';

/** Test helpers shared by the usage tests: tenants with fresh ids, record builders, a failing store. */

export const PRICE: PriceMicros = {
  inputMicros: 2_000_000n, // $2 per 1M input tokens
  outputMicros: 8_000_000n,
  cacheReadMicros: 500_000n,
  cacheWriteMicros: 2_500_000n,
};
export const MULTIPLIER_1_5 = 1_500_000n;
/** A record from `recordFor` with default tokens (1000 prompt incl. 400 cached, 500 completion):
 * cost = 600×2 + 400×0.5 + 500×8 = 5400 µUSD, charged at 1.5× = 8100 µUSD. */
export const DEFAULT_COST = 5_400n;
export const DEFAULT_CHARGE = 8_100n;

export interface Tenant {
  userId: string;
  groupId: string;
  apiKeyId: string;
  subscriptionId: string | null;
  billingMode: 'balance' | 'subscription';
}

export async function seedTenant(
  store: Store,
  options: { balanceMicros?: bigint; billingMode?: 'balance' | 'subscription' } = {},
): Promise<Tenant> {
  const billingMode = options.billingMode ?? 'balance';
  const user = await store.users.insert({
    id: newId(ID_PREFIX.user),
    name: 'tenant',
    balanceMicros: options.balanceMicros ?? 100_000_000n,
  });
  const group = await store.groups.insert({
    id: newId(ID_PREFIX.group),
    name: `g-${newId('x')}`,
    platform: 'openai',
    billingMode,
    rateMultiplierMicros: MULTIPLIER_1_5,
  });
  const key = await store.apiKeys.insert({
    id: newId(ID_PREFIX.apiKey),
    userId: user.id,
    groupId: group.id,
    name: 'k',
    keyPrefix: 'sk-relay-test',
    keyHash: newId('hash'),
  });
  let subscriptionId: string | null = null;
  if (billingMode === 'subscription') {
    const now = Date.now();
    const subscription = await store.subscriptions.insert({
      id: newId(ID_PREFIX.subscription),
      userId: user.id,
      groupId: group.id,
      startsAt: new Date(now - 86_400_000),
      expiresAt: new Date(now + 30 * 86_400_000),
    });
    subscriptionId = subscription.id;
  }
  return { userId: user.id, groupId: group.id, apiKeyId: key.id, subscriptionId, billingMode };
}

let sequence = 0;
export const newRequestId = (): string => `req_test_${process.pid}_${Date.now()}_${++sequence}`;

export function recordFor(tenant: Tenant, overrides: Partial<UsageRecord> = {}): UsageRecord {
  return {
    requestId: newRequestId(),
    apiKeyId: tenant.apiKeyId,
    userId: tenant.userId,
    groupId: tenant.groupId,
    accountId: 'acc_test',
    channelId: null,
    endpoint: '/v1/chat/completions',
    modelRequested: 'gpt-test',
    modelUpstream: 'gpt-test-2025',
    stream: true,
    statusCode: 200,
    errorCode: null,
    promptTokens: 1000,
    completionTokens: 500,
    cachedTokens: 400,
    usageEstimated: false,
    latencyMs: 321,
    ttftMs: 45,
    attempts: 1,
    price: PRICE,
    rateMultiplierMicros: MULTIPLIER_1_5,
    billingMode: tenant.billingMode,
    subscriptionId: tenant.subscriptionId,
    ...overrides,
  };
}

/** What the database holds for a key: event count and the sum charged. */
export async function eventsOfKey(
  store: Store,
  apiKeyId: string,
): Promise<{ events: number; charged: bigint }> {
  const rows = await store.db
    .select({ events: count(), charged: sum(usageEvents.chargedMicros) })
    .from(usageEvents)
    .where(eq(usageEvents.apiKeyId, apiKeyId));
  const row = rows[0];
  return { events: Number(row?.events ?? 0), charged: BigInt(row?.charged ?? 0) };
}

export async function eventsWithRequestId(store: Store, requestId: string): Promise<number> {
  const rows = await store.db
    .select({ n: count() })
    .from(usageEvents)
    .where(eq(usageEvents.requestId, requestId));
  return Number(rows[0]?.n ?? 0);
}

/** What a tenant has been debited so far. */
export async function debitsOf(store: Store, tenant: Tenant) {
  const user = await store.users.get(tenant.userId);
  const key = await store.apiKeys.get(tenant.apiKeyId);
  const subscription = tenant.subscriptionId
    ? await store.subscriptions.get(tenant.subscriptionId)
    : undefined;
  return {
    balanceMicros: user?.balanceMicros,
    quotaUsedMicros: key?.quotaUsedMicros,
    dailyUsedMicros: subscription?.dailyUsedMicros,
    weeklyUsedMicros: subscription?.weeklyUsedMicros,
    monthlyUsedMicros: subscription?.monthlyUsedMicros,
  };
}

export interface StoreFaults {
  /** The first N transactions fail as if the database were unreachable. */
  failTransactions?: number;
  /** Every insert containing one of these request ids fails as invalid data (SQLSTATE 22P02). */
  poisonRequestIds?: readonly string[];
  /** The first N balance debits fail as if the connection dropped mid-transaction. */
  failBalanceDebits?: number;
}

export interface FaultyStore {
  store: Store;
  /** Transactions failed on purpose so far. */
  injectedFailures(): number;
  /** Debit UPDATEs issued, per repository method. */
  calls: { transactions: number; adjustBalance: number; addQuotaUsed: number; addUsage: number };
}

/** Wraps a store to inject database failures and count the debit statements the writer issues. */
export function faultyStore(inner: Store, faults: StoreFaults = {}): FaultyStore {
  let failuresLeft = faults.failTransactions ?? 0;
  let debitFailuresLeft = faults.failBalanceDebits ?? 0;
  let injected = 0;
  const poison = new Set(faults.poisonRequestIds ?? []);
  const calls = { transactions: 0, adjustBalance: 0, addQuotaUsed: 0, addUsage: 0 };

  const wrapTx = (tx: Store): Store => ({
    ...tx,
    usageEvents: {
      ...tx.usageEvents,
      insertNew: async (events) => {
        if (events.some((e) => poison.has(e.requestId))) {
          throw Object.assign(new Error('invalid input syntax (injected)'), { code: '22P02' });
        }
        return tx.usageEvents.insertNew(events);
      },
    },
    users: {
      ...tx.users,
      adjustBalance: async (id, delta) => {
        calls.adjustBalance++;
        if (debitFailuresLeft > 0) {
          debitFailuresLeft--;
          injected++;
          throw new Error('Connection terminated unexpectedly (injected)');
        }
        return tx.users.adjustBalance(id, delta);
      },
    },
    apiKeys: {
      ...tx.apiKeys,
      addQuotaUsed: (id, micros) => {
        calls.addQuotaUsed++;
        return tx.apiKeys.addQuotaUsed(id, micros);
      },
    },
    subscriptions: {
      ...tx.subscriptions,
      addUsage: (id, micros) => {
        calls.addUsage++;
        return tx.subscriptions.addUsage(id, micros);
      },
    },
  });

  const store: Store = {
    ...inner,
    transaction: async (work) => {
      calls.transactions++;
      if (failuresLeft > 0) {
        failuresLeft--;
        injected++;
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432 (injected)'), {
          code: 'ECONNREFUSED',
        });
      }
      return inner.transaction((tx) => work(wrapTx(tx)));
    },
  };
  return { store, injectedFailures: () => injected, calls };
}

/** A pino logger writing into memory, so tests can read what was logged. */
export function captureLogger(): { logger: Logger; lines: () => Array<Record<string, unknown>> } {
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      raw.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      callback();
    },
  });
  const logger = createLogger({ level: 'info', destination });
  return { logger, lines: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>) };
}
