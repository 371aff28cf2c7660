/**
 * Per-account cooldown and circuit breaker, shared by every gateway process (docs/architecture.md#usage-and-billing Failover).
 *
 * - 429 → `cooling_down` until now + Retry-After (or `rateLimitCooldownMs`, capped at `maxCooldownMs`).
 * - `failuresToOpen` consecutive server errors / timeouts / connect errors → `open` for `openMs`.
 * - After `openMs` the circuit is `half_open`: `tryAcquireTrial` lets exactly one request through
 *   (its trial lease lasts `trialTtlMs`, so a trial lost with its process is retried later).
 *   A success closes the circuit; a failure reopens it for another `openMs`.
 * - A success resets the consecutive-failure count. `clear` forgets everything (admin clear-cooldown).
 * When a 429 cooldown and an open circuit overlap, the later deadline wins.
 */
export type FailureKind = 'rate_limited' | 'server_error' | 'timeout' | 'connect_error';

export type AccountStatus = 'closed' | 'open' | 'half_open' | 'cooling_down';

export type AccountState = {
  status: AccountStatus;
  /** Deadline of `open` / `cooling_down` (epoch ms). */
  until?: number;
  /** What opened the circuit or started the cooldown. */
  reason?: FailureKind;
  /** Consecutive failures so far (present when > 0). */
  failures?: number;
};

export type AccountHealthOptions = {
  failuresToOpen: number;
  openMs: number;
  rateLimitCooldownMs: number;
  maxCooldownMs: number;
  trialTtlMs: number;
  /** How long state is kept after its last deadline (forgets old consecutive failures). */
  retentionMs: number;
};

export const DEFAULT_ACCOUNT_HEALTH_OPTIONS: AccountHealthOptions = Object.freeze({
  failuresToOpen: 3,
  openMs: 30_000,
  rateLimitCooldownMs: 60_000,
  maxCooldownMs: 3_600_000,
  trialTtlMs: 60_000,
  retentionMs: 600_000,
});

export interface AccountHealth {
  /**
   * Resets the failure count and closes a half-open circuit. A request whose account was read as
   * `closed` without `failures` may skip this call (saves a round trip per request).
   */
  recordSuccess(accountId: string): Promise<void>;
  recordFailure(
    accountId: string,
    failure: { kind: FailureKind; retryAfterMs?: number },
  ): Promise<AccountState>;
  /**
   * May this account take a request now? True when closed, or when half-open and this caller won
   * the single trial; false when open, cooling down, or another trial is in flight.
   */
  tryAcquireTrial(accountId: string): Promise<boolean>;
  /** States of a batch of candidates, one round trip on Redis. Unknown accounts are `closed`. */
  state(accountIds: readonly string[]): Promise<Map<string, AccountState>>;
  clear(accountId: string): Promise<void>;
}

export function resolveHealthOptions(options: Partial<AccountHealthOptions> = {}): AccountHealthOptions {
  const resolved = { ...DEFAULT_ACCOUNT_HEALTH_OPTIONS, ...options };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(`account health option ${name} must be an integer >= 1`);
    }
  }
  return resolved;
}

/** How long a 429 cools an account down. */
export function cooldownFor(retryAfterMs: number | undefined, options: AccountHealthOptions): number {
  const wanted =
    retryAfterMs === undefined || !Number.isFinite(retryAfterMs) || retryAfterMs < 0
      ? options.rateLimitCooldownMs
      : Math.ceil(retryAfterMs);
  return Math.min(wanted, options.maxCooldownMs);
}

const FAILURE_KINDS: ReadonlySet<string> = new Set([
  'rate_limited',
  'server_error',
  'timeout',
  'connect_error',
]);

export function validateFailure(failure: { kind: FailureKind; retryAfterMs?: number }): void {
  if (!FAILURE_KINDS.has(failure.kind)) throw new RangeError(`unknown failure kind ${String(failure.kind)}`);
}

export function validateAccountId(accountId: string): void {
  if (typeof accountId !== 'string' || accountId.length === 0) {
    throw new RangeError('account id must be a non-empty string');
  }
}

/**
 * The stored record, identical in memory and in the Redis hash:
 * mode '' (closed) | 'c' (cooldown) | 'o' (circuit open; half-open once `until` has passed).
 */
export type HealthRecord = {
  mode: '' | 'c' | 'o';
  until: number;
  reason: string;
  failures: number;
  trialUntil: number;
};

const CLOSED: AccountState = Object.freeze({ status: 'closed' });

export function deriveAccountState(record: HealthRecord | undefined, now: number): AccountState {
  if (record === undefined) return CLOSED;
  const reason = FAILURE_KINDS.has(record.reason) ? (record.reason as FailureKind) : undefined;
  if (record.mode === 'o') {
    if (record.until > now)
      return withFailures({ status: 'open', until: record.until, reason }, record.failures);
    return withFailures({ status: 'half_open', reason }, record.failures);
  }
  if (record.mode === 'c' && record.until > now) {
    return withFailures({ status: 'cooling_down', until: record.until, reason }, record.failures);
  }
  return record.failures > 0 ? { status: 'closed', failures: record.failures } : CLOSED;
}

function withFailures(state: AccountState, failures: number): AccountState {
  if (state.reason === undefined) delete state.reason;
  if (failures > 0) state.failures = failures;
  return state;
}
