import type { Logger } from '../logger.ts';
import type { Store } from '../store/store.ts';
import { type BackoffOptions, DEFAULT_BACKOFF } from './backoff.ts';
import { BatchPump } from './batch-pump.ts';
import type { UsageQueue, UsageQueueStats, UsageWriteStats } from './usage-queue.ts';
import { stamped, type UsageRecord } from './usage-record.ts';
import { encodeUsageRecord } from './usage-record-codec.ts';
import { writeUsageBatch } from './write-usage-batch.ts';

export type UsageLogger = Pick<Logger, 'info' | 'warn' | 'error'>;

export interface BatchingUsageWriterOptions {
  store: Store;
  logger: UsageLogger;
  /** Write as soon as this many records are pending (default 200). */
  maxBatchSize?: number;
  /** …or this long after the first pending record (default 100 ms). */
  flushIntervalMs?: number;
  /** Backoff between attempts of a failed batch (default 100 ms doubling to 30 s). */
  retry?: BackoffOptions;
  /** Rows per INSERT statement, the event loop let through between them (default: the whole batch). */
  rowsPerStatement?: number;
  /** How long `close()` waits for the last writes (default 10 s). */
  closeTimeoutMs?: number;
}

/**
 * The in-process usage queue (embedded mode): records are batched in memory and written through
 * `writeUsageBatch` — one transaction per batch, exactly once per request_id. A batch that fails
 * (database down) is kept and retried with backoff; nothing is dropped while the process lives.
 * Not durable across a crash: production uses `BullmqUsageQueue`.
 */
export class BatchingUsageWriter implements UsageQueue {
  private readonly pump: BatchPump<UsageRecord>;
  private readonly logger: UsageLogger;
  private readonly closeTimeoutMs: number;
  private readonly writes: UsageWriteStats = {
    written: 0,
    duplicates: 0,
    rejected: 0,
    batches: 0,
    failedBatches: 0,
  };
  private dropped = 0;
  private closing: Promise<void> | undefined;

  constructor(options: BatchingUsageWriterOptions) {
    const { store, logger } = options;
    this.logger = logger;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 10_000;
    this.pump = new BatchPump<UsageRecord>({
      maxBatchSize: options.maxBatchSize ?? 200,
      lingerMs: options.flushIntervalMs ?? 100,
      retry: options.retry ?? DEFAULT_BACKOFF,
      sink: async (batch) => {
        const result = await writeUsageBatch(store, batch, { rowsPerStatement: options.rowsPerStatement });
        this.writes.batches++;
        this.writes.written += result.written.length;
        this.writes.duplicates += result.duplicates.length;
        this.writes.rejected += result.rejected.length;
        for (const { record, error } of result.rejected) {
          logger.error(
            { err: error, usage: encodeUsageRecord(record) },
            'usage event refused by the database as invalid; not charged',
          );
        }
      },
      onFailure: (error, attempt, size, retryInMs) => {
        this.writes.failedBatches++;
        logger.warn(
          { err: error, attempt, records: size, retryInMs },
          'usage batch write failed; will retry',
        );
      },
      onRefused: (record) => {
        this.dropped++;
        logger.error({ usage: encodeUsageRecord(record) }, 'usage record enqueued after close; not written');
      },
    });
  }

  enqueue(record: UsageRecord): void {
    try {
      this.pump.push(stamped(record));
    } catch (error) {
      // Unreachable with a well-typed record; the hot path must not fail because of metering.
      this.dropped++;
      this.logger.error({ err: error, requestId: record?.requestId }, 'usage record could not be enqueued');
    }
  }

  flush(): Promise<void> {
    return this.pump.flush();
  }

  close(): Promise<void> {
    this.closing ??= this.stop();
    return this.closing;
  }

  pending(): number {
    return this.pump.pending();
  }

  stats(): UsageQueueStats & UsageWriteStats {
    const pump = this.pump.stats();
    return { ...this.writes, pending: pump.pending, delivered: pump.delivered, dropped: this.dropped };
  }

  private async stop(): Promise<void> {
    const left = await this.pump.stop(this.closeTimeoutMs);
    if (left.length === 0) return;
    this.logger.error(
      { records: left.length, usage: left.map(encodeUsageRecord) },
      `usage writer closed with ${left.length} record(s) not written after ${this.closeTimeoutMs} ms`,
    );
  }
}
