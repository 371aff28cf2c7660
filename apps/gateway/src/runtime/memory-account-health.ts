import {
  type AccountHealth,
  type AccountHealthOptions,
  type AccountState,
  cooldownFor,
  deriveAccountState,
  type FailureKind,
  type HealthRecord,
  resolveHealthOptions,
  validateAccountId,
  validateFailure,
} from './account-health.ts';
import { type Clock, systemClock } from './clock.ts';
import { ExpiringMap } from './expiring-map.ts';

type StoredRecord = HealthRecord & { expiresAt: number };

/** In-process cooldown/circuit state for embedded mode; same rules as the Redis scripts. */
export class MemoryAccountHealth implements AccountHealth {
  private readonly records: ExpiringMap<StoredRecord>;
  private readonly options: AccountHealthOptions;

  constructor(
    private readonly clock: Clock = systemClock,
    options: Partial<AccountHealthOptions> = {},
  ) {
    this.records = new ExpiringMap(clock);
    this.options = resolveHealthOptions(options);
  }

  async recordSuccess(accountId: string): Promise<void> {
    validateAccountId(accountId);
    const now = this.clock.now();
    const record = this.records.get(accountId, now);
    if (record === undefined) return;
    if (record.mode === 'o') {
      if (record.until <= now) this.records.delete(accountId);
    } else if (record.mode === 'c' && record.until > now) {
      record.failures = 0;
    } else {
      this.records.delete(accountId);
    }
  }

  async recordFailure(
    accountId: string,
    failure: { kind: FailureKind; retryAfterMs?: number },
  ): Promise<AccountState> {
    validateAccountId(accountId);
    validateFailure(failure);
    const now = this.clock.now();
    const record: StoredRecord = this.records.get(accountId, now) ?? {
      mode: '',
      until: 0,
      reason: '',
      failures: 0,
      trialUntil: 0,
      expiresAt: 0,
    };
    const { openMs, failuresToOpen, retentionMs } = this.options;
    if (failure.kind === 'rate_limited') {
      const until = now + cooldownFor(failure.retryAfterMs, this.options);
      // A 429 is an answer from a live upstream: it breaks the chain of consecutive failures.
      record.failures = 0;
      if (!(record.mode === 'o' && record.until > until)) {
        record.mode = 'c';
        record.until = until;
        record.reason = failure.kind;
        record.trialUntil = 0;
      }
    } else {
      record.failures += 1;
      if (record.mode === 'o') {
        // Half-open and the trial (or any request) failed: reopen. Still open: keep the deadline.
        if (record.until <= now) {
          record.until = now + openMs;
          record.reason = failure.kind;
          record.trialUntil = 0;
        }
      } else if (record.failures >= failuresToOpen) {
        record.until = record.mode === 'c' ? Math.max(record.until, now + openMs) : now + openMs;
        record.mode = 'o';
        record.reason = failure.kind;
        record.trialUntil = 0;
      }
    }
    record.expiresAt = Math.max(record.until, record.trialUntil, now) + retentionMs;
    this.records.set(accountId, record, now);
    return deriveAccountState(record, now);
  }

  async tryAcquireTrial(accountId: string): Promise<boolean> {
    validateAccountId(accountId);
    const now = this.clock.now();
    const record = this.records.get(accountId, now);
    if (record === undefined) return true;
    if (record.mode === 'c') return record.until <= now;
    if (record.mode !== 'o') return true;
    if (record.until > now || record.trialUntil > now) return false;
    record.trialUntil = now + this.options.trialTtlMs;
    record.expiresAt = Math.max(record.expiresAt, record.trialUntil + this.options.retentionMs);
    return true;
  }

  async state(accountIds: readonly string[]): Promise<Map<string, AccountState>> {
    for (const id of accountIds) validateAccountId(id);
    const now = this.clock.now();
    const states = new Map<string, AccountState>();
    for (const id of accountIds) states.set(id, deriveAccountState(this.records.get(id, now), now));
    return states;
  }

  async clear(accountId: string): Promise<void> {
    validateAccountId(accountId);
    this.records.delete(accountId);
  }
}
