import { z } from 'zod';
import type { UsageRecord } from './usage-record.ts';

/**
 * A UsageRecord as JSON (a BullMQ job's data, a log line): bigints as decimal strings, the time as
 * epoch milliseconds. Decoding validates, so a job written by another version fails loudly instead
 * of writing a wrong row.
 */

const micros = z.string().regex(/^-?\d{1,30}$/, 'must be an integer string');
const count = z.number().finite();

export const usageRecordWireSchema = z.object({
  v: z.literal(1),
  requestId: z.string().min(1),
  apiKeyId: z.string().min(1),
  userId: z.string().min(1),
  groupId: z.string().min(1),
  accountId: z.string().nullable(),
  channelId: z.string().nullable(),
  endpoint: z.string(),
  modelRequested: z.string(),
  modelUpstream: z.string().nullable(),
  stream: z.boolean(),
  statusCode: count,
  errorCode: z.string().nullable(),
  promptTokens: count,
  completionTokens: count,
  cachedTokens: count,
  cacheWriteTokens: count.optional(),
  usageEstimated: z.boolean(),
  /** Added after v1 shipped: absent in jobs queued by older processes. */
  translatedFrom: z.string().nullable().optional(),
  latencyMs: count,
  ttftMs: count.nullable(),
  attempts: count,
  createdAt: z.number().int(),
  price: z.object({ input: micros, output: micros, cacheRead: micros, cacheWrite: micros }).nullable(),
  rateMultiplierMicros: micros,
  billingMode: z.enum(['balance', 'subscription']),
  subscriptionId: z.string().nullable(),
});

export type UsageRecordWire = z.infer<typeof usageRecordWireSchema>;

export function encodeUsageRecord(record: UsageRecord): UsageRecordWire {
  const { price } = record;
  return {
    v: 1,
    requestId: record.requestId,
    apiKeyId: record.apiKeyId,
    userId: record.userId,
    groupId: record.groupId,
    accountId: record.accountId,
    channelId: record.channelId,
    endpoint: record.endpoint,
    modelRequested: record.modelRequested,
    modelUpstream: record.modelUpstream,
    stream: record.stream,
    statusCode: record.statusCode,
    errorCode: record.errorCode,
    promptTokens: record.promptTokens,
    completionTokens: record.completionTokens,
    cachedTokens: record.cachedTokens,
    ...(record.cacheWriteTokens === undefined ? {} : { cacheWriteTokens: record.cacheWriteTokens }),
    usageEstimated: record.usageEstimated,
    ...(record.translatedFrom ? { translatedFrom: record.translatedFrom } : {}),
    latencyMs: record.latencyMs,
    ttftMs: record.ttftMs,
    attempts: record.attempts,
    createdAt: (record.createdAt ?? new Date()).getTime(),
    price: price
      ? {
          input: price.inputMicros.toString(),
          output: price.outputMicros.toString(),
          cacheRead: price.cacheReadMicros.toString(),
          cacheWrite: price.cacheWriteMicros.toString(),
        }
      : null,
    rateMultiplierMicros: record.rateMultiplierMicros.toString(),
    billingMode: record.billingMode,
    subscriptionId: record.subscriptionId,
  };
}

/** Throws a ZodError when `data` is not a valid encoded record. */
export function decodeUsageRecord(data: unknown): UsageRecord {
  const wire = usageRecordWireSchema.parse(data);
  const { price } = wire;
  return {
    requestId: wire.requestId,
    apiKeyId: wire.apiKeyId,
    userId: wire.userId,
    groupId: wire.groupId,
    accountId: wire.accountId,
    channelId: wire.channelId,
    endpoint: wire.endpoint,
    modelRequested: wire.modelRequested,
    modelUpstream: wire.modelUpstream,
    stream: wire.stream,
    statusCode: wire.statusCode,
    errorCode: wire.errorCode,
    promptTokens: wire.promptTokens,
    completionTokens: wire.completionTokens,
    cachedTokens: wire.cachedTokens,
    cacheWriteTokens: wire.cacheWriteTokens,
    usageEstimated: wire.usageEstimated,
    ...(wire.translatedFrom ? { translatedFrom: wire.translatedFrom } : {}),
    latencyMs: wire.latencyMs,
    ttftMs: wire.ttftMs,
    attempts: wire.attempts,
    createdAt: new Date(wire.createdAt),
    price: price
      ? {
          inputMicros: BigInt(price.input),
          outputMicros: BigInt(price.output),
          cacheReadMicros: BigInt(price.cacheRead),
          cacheWriteMicros: BigInt(price.cacheWrite),
        }
      : null,
    rateMultiplierMicros: BigInt(wire.rateMultiplierMicros),
    billingMode: wire.billingMode,
    subscriptionId: wire.subscriptionId,
  };
}
