import type BetterSqlite3 from 'better-sqlite3';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { ItemHandler, ItemJob, ItemQueue } from './item-queue.ts';

/** How often idle workers look for jobs enqueued without a wake-up (another process on the same file). */
const IDLE_POLL_MS = 500;

/**
 * The embedded item queue: jobs are rows of `batch_run_jobs`, claimed by deleting them in one statement,
 * worked by `concurrency` async loops in this process.
 */
export class SqliteItemQueue implements ItemQueue {
  readonly kind = 'sqlite';
  readonly #insert: BetterSqlite3.Statement;
  readonly #claim: BetterSqlite3.Statement;
  readonly #drop: BetterSqlite3.Statement;
  readonly #count: BetterSqlite3.Statement;
  readonly #loops: Promise<void>[] = [];
  #wake: (() => void)[] = [];
  #closed = false;

  constructor(
    private readonly sqlite: BetterSqlite3.Database,
    private readonly options: { concurrency: number; clock: Clock; logger: Logger },
  ) {
    this.#insert = sqlite.prepare('INSERT INTO batch_run_jobs (run_id, idx, enqueued_at) VALUES (?, ?, ?)');
    this.#claim = sqlite.prepare(
      'DELETE FROM batch_run_jobs WHERE seq = (SELECT seq FROM batch_run_jobs ORDER BY seq LIMIT 1) RETURNING run_id AS runId, idx AS "index"',
    );
    this.#drop = sqlite.prepare('DELETE FROM batch_run_jobs WHERE run_id = ?');
    this.#count = sqlite.prepare('SELECT count(*) AS n FROM batch_run_jobs');
  }

  async enqueue(jobs: readonly ItemJob[]): Promise<void> {
    const now = this.options.clock();
    this.sqlite.transaction(() => {
      for (const job of jobs) this.#insert.run(job.runId, job.index, now);
    })();
    this.#notify();
  }

  start(handler: ItemHandler): void {
    for (let i = 0; i < this.options.concurrency; i++) this.#loops.push(this.#work(handler));
  }

  async drop(runId: string): Promise<number> {
    return this.#drop.run(runId).changes;
  }

  async waiting(): Promise<number> {
    return (this.#count.get() as { n: number }).n;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#notify();
    await Promise.all(this.#loops);
  }

  async #work(handler: ItemHandler): Promise<void> {
    while (!this.#closed) {
      const job = this.#claim.get() as ItemJob | undefined;
      if (job === undefined) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, IDLE_POLL_MS);
          timer.unref();
          this.#wake.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
        continue;
      }
      try {
        await handler(job);
      } catch (error) {
        this.options.logger.error(
          { err: error, run_id: job.runId, index: job.index },
          'batch item job failed',
        );
      }
    }
  }

  #notify(): void {
    const waiting = this.#wake;
    this.#wake = [];
    for (const wake of waiting) wake();
  }
}
