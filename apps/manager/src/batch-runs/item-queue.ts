/** One item of a batch-import run to process. */
export type ItemJob = { runId: string; index: number };

/** Processes one job; a throw is logged by the queue and the job is not retried (the item records what happened). */
export type ItemHandler = (job: ItemJob) => Promise<void>;

/**
 * The queue of batch-import run items (manager.md §8, ADR 0015): BullMQ when REDIS_URL is set, an
 * in-process runner over SQLite otherwise; both pass one conformance suite. Delivery is at most once per
 * enqueue: the item rows in SQLite say what happened, and resuming a run enqueues its unfinished items again.
 */
export interface ItemQueue {
  readonly kind: 'sqlite' | 'bullmq';
  enqueue(jobs: readonly ItemJob[]): Promise<void>;
  /** Starts the workers: at most `concurrency` handlers run at once. Call once. */
  start(handler: ItemHandler): void;
  /** Removes the jobs of a run that no worker has taken yet (cancel); resolves to how many. */
  drop(runId: string): Promise<number>;
  /** Jobs not yet taken by a worker. */
  waiting(): Promise<number>;
  /** Stops taking jobs and waits for the running handlers. */
  close(): Promise<void>;
}
