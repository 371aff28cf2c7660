import type { UsageRecord } from './usage-record.ts';

/**
 * Where the relay hands a finished request's usage. Two implementations behind one conformance
 * suite: `BatchingUsageWriter` (in-process, embedded mode) and `BullmqUsageQueue` (durable, Redis).
 * Either way the database write is exactly once per `requestId` (see README.md).
 */
export interface UsageQueue {
  /**
   * Accepts a record. Synchronous, never throws, never waits on I/O: safe on the hot path.
   * The record must not be mutated afterwards.
   */
  enqueue(record: UsageRecord): void;
  /** Resolves once every record enqueued before the call has been handed on (see `pending`). */
  flush(): Promise<void>;
  /**
   * Flushes (bounded by the implementation's close timeout), then stops timers and connections.
   * What could not be handed on by then is logged in full; records enqueued after close are logged
   * and counted in `dropped`.
   */
  close(): Promise<void>;
  /** Records accepted and not yet handed on: written to the database (in-process) or added to Redis (BullMQ). */
  pending(): number;
  stats(): UsageQueueStats;
}

/** Monotonic counters since start, except `pending`. */
export interface UsageQueueStats {
  pending: number;
  /** Records handed on: processed by a database write (in-process) or added to Redis (BullMQ). */
  delivered: number;
  /** Batch attempts that failed (database or Redis down); the batch was kept and retried. */
  failedBatches: number;
  /** Records given up: enqueued after close, or over the buffer bound with no overflow queue. Each is logged in full. */
  dropped: number;
}

/** What a database writer (the in-process writer or the BullMQ worker) has done since start. */
export interface UsageWriteStats {
  /** Events newly inserted and charged. */
  written: number;
  /** Records whose request_id was already recorded: not inserted, not charged again. */
  duplicates: number;
  /** Records the database refused as invalid (logged in full; in BullMQ left in the failed set). */
  rejected: number;
  /** Committed batch transactions. */
  batches: number;
  /** Batch attempts that failed with a transient error and were retried. */
  failedBatches: number;
}
