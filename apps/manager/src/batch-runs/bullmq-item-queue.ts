import { randomBytes } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';
import type { ItemHandler, ItemJob, ItemQueue } from './item-queue.ts';

const JOB_NAME = 'batch-item';

/**
 * The production item queue on BullMQ: small idempotent jobs (a run id and an item index), one attempt
 * each (the item row decides; a job delivered twice finds its item already claimed), a worker with
 * bounded concurrency. Producer and worker use separate connections as BullMQ advises: the producer fails
 * fast when Redis is down, the worker's blocking connection retries forever.
 */
export class BullmqItemQueue implements ItemQueue {
  readonly kind = 'bullmq';
  readonly #producer: Redis;
  readonly #queue: Queue<ItemJob>;
  #worker: Worker<ItemJob> | undefined;
  #workerConnection: Redis | undefined;

  constructor(
    private readonly options: {
      redisUrl: string;
      concurrency: number;
      logger: Logger;
      /** Key prefix; tests give each suite its own. */
      prefix?: string;
      queueName?: string;
    },
  ) {
    this.#producer = new Redis(options.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
    this.#producer.on('error', (error: Error) =>
      options.logger.warn({ err: error.message }, 'redis error (batch queue)'),
    );
    this.#queue = new Queue<ItemJob>(this.#name, { connection: this.#producer, prefix: this.#prefix });
  }

  get #name(): string {
    return this.options.queueName ?? 'manager-batch-items';
  }

  get #prefix(): string {
    return this.options.prefix ?? '{relay-manager}';
  }

  async enqueue(jobs: readonly ItemJob[]): Promise<void> {
    const tag = randomBytes(4).toString('hex');
    await this.#queue.addBulk(
      jobs.map((job) => ({
        name: JOB_NAME,
        data: job,
        opts: {
          jobId: `${job.runId}-${job.index}-${tag}`,
          attempts: 1,
          removeOnComplete: true,
          removeOnFail: 1000,
        },
      })),
    );
  }

  start(handler: ItemHandler): void {
    this.#workerConnection = new Redis(this.options.redisUrl, { maxRetriesPerRequest: null });
    this.#workerConnection.on('error', (error: Error) =>
      this.options.logger.warn({ err: error.message }, 'redis error (batch worker)'),
    );
    this.#worker = new Worker<ItemJob>(this.#name, (job) => handler(job.data), {
      connection: this.#workerConnection,
      prefix: this.#prefix,
      concurrency: this.options.concurrency,
    });
    this.#worker.on('failed', (job, error) =>
      this.options.logger.error(
        { err: error, run_id: job?.data.runId, index: job?.data.index },
        'batch item job failed',
      ),
    );
    this.#worker.on('error', (error) =>
      this.options.logger.warn({ err: error.message }, 'batch worker error'),
    );
  }

  async drop(runId: string): Promise<number> {
    let dropped = 0;
    const jobs = await this.#queue.getJobs(['waiting', 'delayed', 'prioritized', 'paused']);
    for (const job of jobs) {
      if (job?.data.runId !== runId) continue;
      try {
        await job.remove();
        dropped++;
      } catch {
        // Taken by a worker in between: the handler sees the cancelled run and leaves the item.
      }
    }
    return dropped;
  }

  async waiting(): Promise<number> {
    const counts = await this.#queue.getJobCounts('waiting', 'delayed', 'prioritized', 'paused');
    return Object.values(counts).reduce((sum, n) => sum + n, 0);
  }

  async close(): Promise<void> {
    await this.#worker?.close();
    await this.#queue.close();
    for (const redis of [this.#workerConnection, this.#producer]) {
      if (redis === undefined || redis.status === 'end') continue;
      await redis.quit().catch(() => redis.disconnect());
    }
  }
}
