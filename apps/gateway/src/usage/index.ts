/** Usage metering and billing: charge computation, the usage queues and the batch writer (see README.md). */

export { type BackoffOptions, DEFAULT_BACKOFF } from './backoff.ts';
export {
  BatchingUsageWriter,
  type BatchingUsageWriterOptions,
  type UsageLogger,
} from './batching-usage-writer.ts';
export {
  DEFAULT_USAGE_QUEUE_NAME,
  DEFAULT_USAGE_QUEUE_PREFIX,
  USAGE_BATCH_JOB_NAME,
  USAGE_JOB_OPTIONS,
  usageBatchJobId,
  usageJobId,
} from './bullmq-usage-jobs.ts';
export { BullmqUsageQueue, type BullmqUsageQueueOptions } from './bullmq-usage-queue.ts';
export {
  type Charge,
  computeCharge,
  divRoundHalfUp,
  MULTIPLIER_ONE,
  type PriceMicros,
  TOKENS_PER_PRICE_UNIT,
  type TokenCounts,
} from './compute-charge.ts';
export { LAST_USED_FLUSH_MS, LastUsedWriter, touchingLastUsed } from './last-used-writer.ts';
export { registerUsageMetrics, type UsageMetricSources } from './usage-metrics.ts';
export type { UsageQueue, UsageQueueStats, UsageWriteStats } from './usage-queue.ts';
export { type BillingMode, chargeOf, toUsageEventInsert, type UsageRecord } from './usage-record.ts';
export { decodeUsageRecord, encodeUsageRecord, type UsageRecordWire } from './usage-record-codec.ts';
export { startUsageWorker, type UsageWorker, type UsageWorkerOptions } from './usage-worker.ts';
export {
  isCausedByData,
  type RejectedUsageRecord,
  type UsageBatchResult,
  writeUsageBatch,
} from './write-usage-batch.ts';
