import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { RedisOptions } from 'ioredis';
import type { Store } from '../store/store.ts';
import { type BackoffOptions, backoffDelay } from './backoff.ts';
import type { UsageLogger } from './batching-usage-writer.ts';
import {
  closeConnection,
  DEFAULT_JOB_BACKOFF,
  DEFAULT_USAGE_QUEUE_NAME,
  DEFAULT_USAGE_QUEUE_PREFIX,
  USAGE_BATCH_JOB_NAME,
  workerConnection,
} from './bullmq-usage-jobs.ts';
import type { UsageWriteStats } from './usage-queue.ts';
import type { UsageRecord } from './usage-record.ts';
import { decodeUsageRecord, encodeUsageRecord } from './usage-record-codec.ts';
import { writeUsageBatch } from './write-usage-batch.ts';

export interface UsageWorkerOptions {
  redisUrl: string;
  store: Store;
  logger: UsageLogger;
  /** Must match the producer's (defaults `usage-events`, `{relay}`). */
  queueName?: string;
  prefix?: string;
  /** Records per database transaction: jobs are written together up to this many (default 1000). */
  batchSize?: number;
  /** How long a job waits for others before a partial transaction is written (default 5 ms). */
  maxWaitMs?: number;
  /** Jobs held at once (default 8: a transaction fills while the previous one is written). */
  concurrency?: number;
  /** Rows per INSERT statement (default: the whole transaction). */
  rowsPerStatement?: number;
  /** Delay before a job of a failed batch is tried again (default 500 ms doubling to 60 s). */
  retry?: BackoffOptions;
  /** Times a job may be found stalled (its worker died) before BullMQ fails it (default 10). */
  maxStalledCount?: number;
  /** How long `close()` waits for jobs in progress before leaving them to be redelivered (default 10 s). */
  closeTimeoutMs?: number;
  redisOptions?: RedisOptions;
}

export interface UsageWorker {
  /** Stops taking jobs, lets the current batches finish (bounded by closeTimeoutMs), closes connections. */
  close(): Promise<void>;
  stats(): UsageWriteStats;
}

interface Waiting {
  records: UsageRecord[];
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * Consumes the usage queue. Each job holds one shipped batch of records; jobs that arrive together
 * are written in one transaction (up to `batchSize` records) and settled when it ends:
 * `writeUsageBatch` (shared with the in-process writer) inserts new events with multi-row inserts
 * and debits them exactly once. A failed transaction fails its jobs, which BullMQ retries with the
 * capped backoff; a record the database refuses as invalid is isolated (the others are written) and
 * fails its job for good (UnrecoverableError, kept in the failed set: replaying it writes nothing twice).
 */
export function startUsageWorker(options: UsageWorkerOptions): UsageWorker {
  const { store, logger } = options;
  const batchSize = options.batchSize ?? 1000;
  const maxWaitMs = options.maxWaitMs ?? 5;
  const retry = options.retry ?? DEFAULT_JOB_BACKOFF;
  const stats: UsageWriteStats = { written: 0, duplicates: 0, rejected: 0, batches: 0, failedBatches: 0 };

  let waiting: Waiting[] = [];
  let waitingRecords = 0;
  let timer: NodeJS.Timeout | undefined;

  const writeWaiting = (): void => {
    clearTimeout(timer);
    timer = undefined;
    const batch = waiting;
    waiting = [];
    waitingRecords = 0;
    if (batch.length > 0) void write(batch);
  };

  const write = async (batch: Waiting[]): Promise<void> => {
    try {
      const result = await writeUsageBatch(
        store,
        batch.flatMap((w) => w.records),
        { rowsPerStatement: options.rowsPerStatement },
      );
      stats.batches++;
      stats.written += result.written.length;
      stats.duplicates += result.duplicates.length;
      stats.rejected += result.rejected.length;
      const refused = new Map(result.rejected.map((r) => [r.record, r.error]));
      for (const w of batch) {
        const errors: unknown[] = [];
        for (const record of w.records) {
          const error = refused.get(record);
          if (error === undefined) continue;
          errors.push(error);
          logger.error(
            { err: error, usage: encodeUsageRecord(record) },
            'usage event refused by the database as invalid; not charged',
          );
        }
        if (errors.length === 0) w.resolve();
        else w.reject(new UnrecoverableError(`usage event refused by the database: ${describe(errors[0])}`));
      }
    } catch (error) {
      stats.failedBatches++;
      logger.warn(
        { err: error, records: batch.length },
        'usage batch write failed; its jobs will be retried',
      );
      const failure = error instanceof Error ? error : new Error(describe(error));
      for (const w of batch) w.reject(failure);
    }
  };

  const processJob = (job: Job): Promise<void> => {
    let records: UsageRecord[];
    try {
      records = decodeJob(job);
    } catch (error) {
      logger.error({ err: error, jobId: job.id }, 'usage job with invalid data; left in the failed set');
      return Promise.reject(new UnrecoverableError(`invalid usage job data: ${describe(error)}`));
    }
    return new Promise<void>((resolve, reject) => {
      waiting.push({ records, resolve, reject });
      waitingRecords += records.length;
      if (waitingRecords >= batchSize) writeWaiting();
      else timer ??= setTimeout(writeWaiting, maxWaitMs);
    });
  };

  const connection = workerConnection(options.redisUrl, options.redisOptions);
  connection.on('error', () => {
    // Reported once through the worker's 'error' event below; ioredis reconnects by itself.
  });
  const worker = new Worker(options.queueName ?? DEFAULT_USAGE_QUEUE_NAME, processJob, {
    connection,
    prefix: options.prefix ?? DEFAULT_USAGE_QUEUE_PREFIX,
    concurrency: options.concurrency ?? 8,
    maxStalledCount: options.maxStalledCount ?? 10,
    settings: { backoffStrategy: (attemptsMade: number) => backoffDelay(attemptsMade, retry) },
  });
  let lastError = '';
  worker.on('error', (error) => {
    // Connection errors repeat on every reconnect attempt: log each distinct one once.
    if (error.message === lastError) return;
    lastError = error.message;
    logger.warn({ err: error }, 'usage worker error');
  });

  const closeTimeoutMs = options.closeTimeoutMs ?? 10_000;
  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    writeWaiting();
    let timeout: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timeout = setTimeout(() => resolve('timeout'), closeTimeoutMs);
    });
    const outcome = await Promise.race([worker.close().then(() => 'closed' as const), timedOut]);
    clearTimeout(timeout);
    if (outcome === 'timeout') {
      logger.warn(
        { closeTimeoutMs },
        'usage worker: jobs still in progress at close; they will be redelivered',
      );
      await worker.close(true).catch(() => {});
    }
    await closeConnection(connection);
  };

  return {
    close: () => {
      closing ??= close();
      return closing;
    },
    stats: () => ({ ...stats }),
  };
}

/** A batch job (`usage-batch`), or a single-record job queued by an earlier version. */
function decodeJob(job: Job): UsageRecord[] {
  if (job.name !== USAGE_BATCH_JOB_NAME) return [decodeUsageRecord(job.data)];
  const data = job.data as { v?: unknown; records?: unknown };
  if (data?.v !== 1 || !Array.isArray(data.records)) throw new Error('usage batch job without records');
  return data.records.map((record) => decodeUsageRecord(record));
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
