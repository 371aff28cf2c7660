import { Queue } from 'bullmq';
import type { Redis, RedisOptions } from 'ioredis';
import { type BackoffOptions, DEFAULT_BACKOFF } from './backoff.ts';
import { BatchPump } from './batch-pump.ts';
import type { UsageLogger } from './batching-usage-writer.ts';
import {
  closeConnection,
  DEFAULT_USAGE_QUEUE_NAME,
  DEFAULT_USAGE_QUEUE_PREFIX,
  producerConnection,
  USAGE_BATCH_JOB_NAME,
  USAGE_JOB_OPTIONS,
  usageBatchJobId,
} from './bullmq-usage-jobs.ts';
import type { UsageQueue, UsageQueueStats } from './usage-queue.ts';
import { stamped, type UsageRecord } from './usage-record.ts';
import { encodeUsageRecord } from './usage-record-codec.ts';

export interface BullmqUsageQueueOptions {
  redisUrl: string;
  logger: UsageLogger;
  /** Queue name and key prefix: tests use a unique prefix each (default `usage-events`, `{relay}`). */
  queueName?: string;
  prefix?: string;
  /** Records per job (default 500): a full batch is shipped at once. */
  maxBatchSize?: number;
  /** How long a record may wait for others before its batch is shipped (default 50 ms). */
  lingerMs?: number;
  /** Backoff between attempts while Redis is unreachable (default 100 ms doubling to 30 s). */
  retry?: BackoffOptions;
  /** Bound of the in-memory buffer while Redis is unreachable (default 100 000 records). */
  maxBuffered?: number;
  /**
   * Where records go that do not fit in the buffer, or are still unsent at close — typically a
   * `BatchingUsageWriter` over the same database (exactly-once holds across both paths). Without it
   * such records are logged in full and counted in `dropped`. The caller closes it after this queue.
   */
  overflow?: UsageQueue;
  /** Timeout of one Redis command, so a dead connection fails fast (default 2 s). */
  commandTimeoutMs?: number;
  /** How long `close()` waits for the buffer to reach Redis (default 5 s). */
  closeTimeoutMs?: number;
  /** Extra ioredis options (TLS, sentinels…). */
  redisOptions?: RedisOptions;
}

/**
 * The durable usage queue (production, `REDIS_URL` set). `enqueue` only appends to an in-process
 * buffer; every `lingerMs` (or `maxBatchSize` records) the buffer is shipped as ONE BullMQ job, and
 * `startUsageWorker` writes jobs with multi-row inserts, exactly once per request_id. While Redis is
 * unreachable records wait in a bounded in-memory buffer and are retried with backoff; `close()`
 * (SIGTERM) ships what is left. A kill -9 loses what was not shipped yet: at most one linger
 * interval of records (docs/adr/0012).
 */
export class BullmqUsageQueue implements UsageQueue {
  private readonly queue: Queue;
  private readonly redis: Redis;
  private readonly pump: BatchPump<UsageRecord>;
  private readonly logger: UsageLogger;
  private readonly maxBuffered: number;
  private readonly overflow: UsageQueue | undefined;
  private readonly closeTimeoutMs: number;
  private dropped = 0;
  private overflowed = 0;
  private redisDown = false;
  private closing: Promise<void> | undefined;

  constructor(options: BullmqUsageQueueOptions) {
    const { logger } = options;
    this.logger = logger;
    this.maxBuffered = options.maxBuffered ?? 100_000;
    this.overflow = options.overflow;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 5_000;
    this.redis = producerConnection(
      options.redisUrl,
      options.commandTimeoutMs ?? 2_000,
      options.redisOptions,
    );
    this.redis.on('error', (error) => this.noteRedisDown(error));
    this.redis.on('ready', () => {
      if (this.redisDown) logger.info('usage queue: Redis reachable again');
      this.redisDown = false;
    });
    this.queue = new Queue(options.queueName ?? DEFAULT_USAGE_QUEUE_NAME, {
      connection: this.redis,
      prefix: options.prefix ?? DEFAULT_USAGE_QUEUE_PREFIX,
      defaultJobOptions: USAGE_JOB_OPTIONS,
    });
    // An EventEmitter 'error' without a listener would crash the process.
    this.queue.on('error', (error) => this.noteRedisDown(error));

    this.pump = new BatchPump<UsageRecord>({
      maxBatchSize: options.maxBatchSize ?? 500,
      lingerMs: options.lingerMs ?? 50,
      retry: options.retry ?? DEFAULT_BACKOFF,
      sink: (batch) => this.send(batch),
      onFailure: (error, attempt, size, retryInMs) => {
        if (attempt === 1 || attempt % 10 === 0) {
          logger.warn(
            { err: error, attempt, records: size, buffered: this.pump.pending(), retryInMs },
            'usage queue: could not add jobs to Redis; buffering and retrying',
          );
        }
      },
      onRefused: (record) => this.divert(record, 'enqueued after close'),
    });
  }

  enqueue(record: UsageRecord): void {
    try {
      if (this.pump.pending() >= this.maxBuffered) this.divert(stamped(record), 'buffer full');
      else this.pump.push(stamped(record));
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

  stats(): UsageQueueStats & { overflowed: number } {
    const pump = this.pump.stats();
    return { ...pump, dropped: this.dropped, overflowed: this.overflowed };
  }

  private async send(batch: UsageRecord[]): Promise<void> {
    // Fail at once rather than wait for a connection: the pump retries with backoff.
    if (this.redis.status !== 'ready') throw new Error(`Redis connection is ${this.redis.status}`);
    await this.queue.add(
      USAGE_BATCH_JOB_NAME,
      { v: 1, records: batch.map(encodeUsageRecord) },
      { jobId: usageBatchJobId(batch.map((record) => record.requestId)) },
    );
  }

  private divert(record: UsageRecord, reason: string): void {
    if (this.overflow) {
      this.overflowed++;
      this.overflow.enqueue(record);
      return;
    }
    this.dropped++;
    this.logger.error({ usage: encodeUsageRecord(record), reason }, `usage record not queued: ${reason}`);
  }

  private noteRedisDown(error: unknown): void {
    if (this.redisDown) return;
    this.redisDown = true;
    this.logger.warn({ err: error }, 'usage queue: Redis unreachable; records are buffered in memory');
  }

  private async stop(): Promise<void> {
    const left = await this.pump.stop(this.closeTimeoutMs);
    if (left.length > 0) {
      this.logger.error(
        { records: left.length, overflow: this.overflow !== undefined },
        `usage queue closed with ${left.length} record(s) not in Redis after ${this.closeTimeoutMs} ms`,
      );
      for (const record of left) this.divert(record, 'not in Redis at close');
    }
    await this.queue.close().catch(() => {});
    await closeConnection(this.redis);
  }
}
