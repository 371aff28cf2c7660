import { type BackoffOptions, backoffDelay } from './backoff.ts';

export interface BatchPumpOptions<T> {
  /** Hands a batch on (writes it, sends it). Throwing keeps the batch: it is retried after a backoff. */
  sink: (batch: T[]) => Promise<void>;
  maxBatchSize: number;
  /**
   * How long the first item of a partial batch may wait for company: a partial batch is handed on
   * when its oldest item has waited this long, also when it filled up while the previous batch was
   * being sent (shipping it at once would make batches as small as one send's duration).
   */
  lingerMs: number;
  retry: BackoffOptions;
  /** Called for every failed attempt, before the backoff. */
  onFailure?: (error: unknown, attempt: number, batchSize: number, retryInMs: number) => void;
  /** Called with items pushed after `stop`. */
  onRefused?: (item: T) => void;
}

interface FlushWaiter {
  target: number;
  resolve: () => void;
}

/**
 * The engine shared by both usage queues: items pushed synchronously are handed to `sink` in FIFO
 * batches, one batch at a time; a failed batch is retried (same items, capped exponential backoff)
 * until it goes through — never dropped. Timers are unref'd so an idle pump never keeps the process alive.
 */
export class BatchPump<T> {
  private readonly options: BatchPumpOptions<T>;
  private queue: T[] = [];
  private inFlight: T[] = [];
  private pushed = 0;
  private done = 0;
  private waiters: FlushWaiter[] = [];
  private running = false;
  private stopped = false;
  private lingerTimer: NodeJS.Timeout | undefined;
  /** When the oldest item still queued (not in flight) was pushed; undefined when the queue is empty. */
  private queuedSince: number | undefined;
  private backoffTimer: NodeJS.Timeout | undefined;
  private wakeFromBackoff: (() => void) | undefined;
  private counters = { delivered: 0, failedBatches: 0 };

  constructor(options: BatchPumpOptions<T>) {
    this.options = options;
  }

  push(item: T): void {
    if (this.stopped) {
      this.options.onRefused?.(item);
      return;
    }
    if (this.queue.length === 0) this.queuedSince = Date.now();
    this.queue.push(item);
    this.pushed++;
    if (this.running) return;
    if (this.queue.length >= this.options.maxBatchSize) this.kick();
    else if (!this.lingerTimer) this.lingerFor(this.options.lingerMs);
  }

  pending(): number {
    return this.queue.length + this.inFlight.length;
  }

  stats(): { pending: number; delivered: number; failedBatches: number } {
    return { pending: this.pending(), ...this.counters };
  }

  /** Resolves once every item pushed before the call has been accepted by the sink. */
  flush(): Promise<void> {
    const target = this.pushed;
    if (this.done >= target || this.stopped) return Promise.resolve();
    const waiting = new Promise<void>((resolve) => this.waiters.push({ target, resolve }));
    this.kick();
    return waiting;
  }

  /**
   * Flushes for at most `timeoutMs`, then stops: timers cleared, later pushes refused. Returns the
   * items not confirmed by the sink (a write still in flight may yet land; exactly-once makes a
   * second delivery harmless).
   */
  async stop(timeoutMs: number): Promise<T[]> {
    let timer: NodeJS.Timeout | undefined;
    // This timer is deliberately ref'd: it keeps the process alive while the last batches are written.
    const timedOut = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([this.flush(), timedOut]);
    clearTimeout(timer);
    this.stopped = true;
    clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    this.wakeFromBackoff?.();
    const left = [...this.inFlight, ...this.queue];
    this.inFlight = [];
    this.queue = [];
    this.queuedSince = undefined;
    for (const waiter of this.waiters) waiter.resolve();
    this.waiters = [];
    return left;
  }

  private kick(): void {
    clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    if (this.running || this.stopped) return;
    this.running = true;
    void this.run();
  }

  private async run(): Promise<void> {
    try {
      while (this.queue.length > 0 && !this.stopped) {
        const batch = this.queue.splice(0, this.options.maxBatchSize);
        // What stays queued arrived after the batch's oldest item: its own wait is counted from then.
        if (this.queue.length === 0) this.queuedSince = undefined;
        this.inFlight = batch;
        if (!(await this.deliver(batch))) return;
        this.inFlight = [];
        this.done += batch.length;
        this.counters.delivered += batch.length;
        this.resolveWaiters();
        const lingerLeft = this.lingerLeft();
        if (lingerLeft > 0) {
          this.lingerFor(lingerLeft);
          return;
        }
      }
    } finally {
      this.running = false;
    }
  }

  /**
   * How much longer the queued partial batch may wait for company: 0 when it is full, when a flush
   * waits for it, or when its oldest item has waited `lingerMs`.
   */
  private lingerLeft(): number {
    if (this.queue.length === 0 || this.queue.length >= this.options.maxBatchSize) return 0;
    if (this.waiters.length > 0 || this.queuedSince === undefined) return 0;
    return this.options.lingerMs - (Date.now() - this.queuedSince);
  }

  private lingerFor(ms: number): void {
    this.lingerTimer = setTimeout(() => this.kick(), ms);
    this.lingerTimer.unref();
  }

  /** True once the sink accepted the batch; false when stopped while retrying. */
  private async deliver(batch: T[]): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.options.sink(batch);
        return true;
      } catch (error) {
        this.counters.failedBatches++;
        if (this.stopped) return false;
        const delay = backoffDelay(attempt, this.options.retry);
        this.options.onFailure?.(error, attempt, batch.length, delay);
        await this.sleep(delay);
        if (this.stopped) return false;
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wakeFromBackoff = () => {
        clearTimeout(this.backoffTimer);
        this.wakeFromBackoff = undefined;
        resolve();
      };
      this.backoffTimer = setTimeout(() => this.wakeFromBackoff?.(), ms);
      this.backoffTimer.unref();
    });
  }

  private resolveWaiters(): void {
    if (this.waiters.length === 0) return;
    const still: FlushWaiter[] = [];
    for (const waiter of this.waiters) {
      if (waiter.target <= this.done) waiter.resolve();
      else still.push(waiter);
    }
    this.waiters = still;
  }
}
