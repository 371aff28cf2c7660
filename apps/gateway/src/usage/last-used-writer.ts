import type { Logger } from '../logger.ts';
import type { Store } from '../store/store.ts';
import type { UsageQueue } from './usage-queue.ts';
import type { UsageRecord } from './usage-record.ts';

/** How often remembered last-used times are written: at most one UPDATE per key or account per period. */
export const LAST_USED_FLUSH_MS = 30_000;

/**
 * Keeps `last_used_at` of API keys and upstream accounts current without a write per request: the
 * latest time per id is remembered in memory and written in one transaction per period (and at close).
 * Precision is therefore one period; the column answers "is this key or account still in use?".
 */
export class LastUsedWriter {
  readonly #store: Store;
  readonly #logger: Logger;
  readonly #keys = new Map<string, Date>();
  readonly #accounts = new Map<string, Date>();
  readonly #timer: NodeJS.Timeout;
  #writes = 0;
  #flushing: Promise<void> = Promise.resolve();

  constructor(options: { store: Store; logger: Logger; flushIntervalMs?: number }) {
    this.#store = options.store;
    this.#logger = options.logger;
    this.#timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? LAST_USED_FLUSH_MS);
    this.#timer.unref();
  }

  /** Remembers a use; synchronous and allocation-light (safe on the request path). */
  touch(apiKeyId: string, accountId: string | null, at: Date): void {
    remember(this.#keys, apiKeyId, at);
    if (accountId !== null) remember(this.#accounts, accountId, at);
  }

  /** UPDATE statements issued since start (for tests and the throttling claim). */
  get writes(): number {
    return this.#writes;
  }

  /** Writes what was remembered since the last flush; a failed write is kept for the next one. */
  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(() => this.#write());
    return this.#flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }

  async #write(): Promise<void> {
    if (this.#keys.size === 0 && this.#accounts.size === 0) return;
    const keys = [...this.#keys];
    const accounts = [...this.#accounts];
    this.#keys.clear();
    this.#accounts.clear();
    try {
      await this.#store.transaction(async (tx) => {
        for (const [id, at] of keys) await tx.apiKeys.touchLastUsed(id, at);
        for (const [id, at] of accounts) await tx.accounts.touchLastUsed(id, at);
      });
      this.#writes += keys.length + accounts.length;
    } catch (error) {
      // Keep the newer of what failed and what arrived meanwhile; the next period retries.
      for (const [id, at] of keys) remember(this.#keys, id, at);
      for (const [id, at] of accounts) remember(this.#accounts, id, at);
      this.#logger.warn({ err: error }, 'could not write last_used_at (kept for the next attempt)');
    }
  }
}

function remember(map: Map<string, Date>, id: string, at: Date): void {
  const seen = map.get(id);
  if (seen === undefined || seen < at) map.set(id, at);
}

/** The usage queue with every record also marking its key and account as used. */
export function touchingLastUsed(queue: UsageQueue, lastUsed: LastUsedWriter): UsageQueue {
  return {
    enqueue: (record: UsageRecord) => {
      lastUsed.touch(record.apiKeyId, record.accountId, record.createdAt ?? new Date());
      queue.enqueue(record);
    },
    flush: () => queue.flush(),
    close: () => queue.close(),
    pending: () => queue.pending(),
    stats: () => queue.stats(),
  };
}
