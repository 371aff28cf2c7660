import type { UsageEventInsert } from '../store/usage-event-repository.ts';
import { type Charge, computeCharge, type PriceMicros } from './compute-charge.ts';

export type BillingMode = 'balance' | 'subscription';

/**
 * Everything the usage writer needs for one request: the usage_event row, plus what to charge and
 * whom to debit. The relay builds it on the hot path and only enqueues it; the cost is computed by
 * the writer, off the hot path.
 */
export interface UsageRecord {
  /** The request's `x-request-id`: the usage_event's unique key, so a record is charged at most once. */
  requestId: string;
  apiKeyId: string;
  userId: string;
  groupId: string;
  accountId: string | null;
  channelId: string | null;
  /** e.g. `/v1/chat/completions`. */
  endpoint: string;
  modelRequested: string;
  modelUpstream: string | null;
  stream: boolean;
  statusCode: number;
  errorCode: string | null;
  /** OpenAI accounting: includes `cachedTokens` and `cacheWriteTokens`. */
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  /** Billed at the cache-write price; not a usage_event column (the cost includes it). */
  cacheWriteTokens?: number | undefined;
  usageEstimated: boolean;
  /** The caller's protocol when the request was translated for the upstream; absent or null when native. */
  translatedFrom?: string | null | undefined;
  latencyMs: number;
  ttftMs: number | null;
  attempts: number;
  /** When the request happened; stamped by `enqueue` when absent. */
  createdAt?: Date | undefined;
  /** The resolved price (channel → global), or null when the model is unpriced (cost 0). */
  price: PriceMicros | null;
  /** The group's multiplier in millionths (1_000_000 = 1.0). */
  rateMultiplierMicros: bigint;
  /** balance: debit the user's balance; subscription: add to the subscription's windows. */
  billingMode: BillingMode;
  /** The subscription to debit in subscription mode. */
  subscriptionId: string | null;
}

/** The record with its creation time set, so a retried write keeps the original time. */
export function stamped(record: UsageRecord, now: () => Date = () => new Date()): UsageRecord {
  return record.createdAt ? record : { ...record, createdAt: now() };
}

export function chargeOf(record: UsageRecord): Charge {
  return computeCharge(record, record.price, record.rateMultiplierMicros);
}

const INT4_MAX = 2_147_483_647;

/** Clamps to the `integer` column range, so a wild upstream figure cannot make a row unwritable. */
const int4 = (value: number, min = 0): number =>
  Number.isFinite(value) ? Math.min(Math.max(Math.trunc(value), min), INT4_MAX) : min;

/** Postgres `text` refuses NUL; nothing else in a string can make the insert fail. */
const text = (value: string): string => (value.includes('\0') ? value.replaceAll('\0', '') : value);
const optionalText = (value: string | null): string | null => (value === null ? null : text(value));

/** The usage_event row of a record, with its charge. */
export function toUsageEventInsert(record: UsageRecord, charge: Charge = chargeOf(record)): UsageEventInsert {
  return {
    requestId: text(record.requestId),
    apiKeyId: text(record.apiKeyId),
    userId: text(record.userId),
    groupId: text(record.groupId),
    accountId: optionalText(record.accountId),
    channelId: optionalText(record.channelId),
    endpoint: text(record.endpoint),
    modelRequested: text(record.modelRequested),
    modelUpstream: optionalText(record.modelUpstream),
    stream: record.stream,
    statusCode: int4(record.statusCode),
    errorCode: optionalText(record.errorCode),
    promptTokens: int4(record.promptTokens),
    completionTokens: int4(record.completionTokens),
    cachedTokens: int4(record.cachedTokens),
    usageEstimated: record.usageEstimated,
    translatedFrom: optionalText(record.translatedFrom ?? null),
    costMicros: charge.costMicros,
    chargedMicros: charge.chargedMicros,
    latencyMs: int4(record.latencyMs),
    ttftMs: record.ttftMs === null ? null : int4(record.ttftMs),
    attempts: int4(record.attempts, 1),
    createdAt: record.createdAt ?? new Date(),
  };
}
