import type { AccountHealth, AccountState, FailureKind } from './account-health.ts';
import type { Clock } from './clock.ts';

/** How long an account read as healthy is taken as healthy without asking the shared store again. */
export const HEALTHY_FRESH_MS = 500;

type Entry = { state: AccountState; readAt: number };

/**
 * Account health with the common answer kept in memory: an account read as `closed` without
 * failures is served from memory for `freshMs`; anything else (failures counted, cooling down, open,
 * half open) is read from the shared store every time. What this process records about an account
 * forgets its entry at once, so its own failures count immediately; another process's are seen
 * within `freshMs` (until then a request may still reach the failing account, fail, and fail over,
 * which records the failure here). Saves a runtime call on almost every request (ADR 0022).
 */
export class CachedAccountHealth implements AccountHealth {
  private readonly healthy = new Map<string, Entry>();
  /** Bumped by every change made here, so a read that raced with one is not kept. */
  private generation = 0;

  constructor(
    private readonly inner: AccountHealth,
    private readonly clock: Clock,
    private readonly freshMs = HEALTHY_FRESH_MS,
  ) {}

  async state(accountIds: readonly string[]): Promise<Map<string, AccountState>> {
    const now = this.clock.now();
    const states = new Map<string, AccountState>();
    for (const id of accountIds) {
      const entry = this.healthy.get(id);
      if (entry === undefined || now - entry.readAt >= this.freshMs) break;
      states.set(id, entry.state);
    }
    if (states.size === accountIds.length) return states;
    const generation = this.generation;
    const read = await this.inner.state(accountIds);
    if (generation === this.generation) this.remember(read, now);
    return read;
  }

  recordSuccess(accountId: string): Promise<void> {
    return this.changing(accountId, () => this.inner.recordSuccess(accountId));
  }

  recordFailure(
    accountId: string,
    failure: { kind: FailureKind; retryAfterMs?: number },
  ): Promise<AccountState> {
    return this.changing(accountId, () => this.inner.recordFailure(accountId, failure));
  }

  tryAcquireTrial(accountId: string): Promise<boolean> {
    return this.inner.tryAcquireTrial(accountId);
  }

  clear(accountId: string): Promise<void> {
    return this.changing(accountId, () => this.inner.clear(accountId));
  }

  /** A change to an account: its entry is forgotten before and after (a reading in between is not kept). */
  private async changing<T>(accountId: string, change: () => Promise<T>): Promise<T> {
    this.forget(accountId);
    try {
      return await change();
    } finally {
      this.forget(accountId);
    }
  }

  private remember(states: ReadonlyMap<string, AccountState>, now: number): void {
    if (this.healthy.size > MAX_ENTRIES) this.healthy.clear();
    for (const [id, state] of states) {
      if (state.status === 'closed' && state.failures === undefined)
        this.healthy.set(id, { state, readAt: now });
      else this.healthy.delete(id);
    }
  }

  private forget(accountId: string): void {
    this.generation += 1;
    this.healthy.delete(accountId);
  }
}

/** Bound of the in-memory entries (forgotten wholesale when exceeded; they are only a shortcut). */
const MAX_ENTRIES = 100_000;
