export interface BackoffOptions {
  /** Delay before the first retry (ms). */
  initialDelayMs: number;
  /** Ceiling: an outage of any length is followed by a retry within this delay of recovery. */
  maxDelayMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialDelayMs: 100, maxDelayMs: 30_000 };

/**
 * Capped exponential backoff with ±10% jitter (so replicas retrying after one outage spread out).
 * `attempt` counts failures so far, starting at 1.
 */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const base = Math.min(options.initialDelayMs * 2 ** exponent, options.maxDelayMs);
  return Math.max(1, Math.round(base * (0.9 + Math.random() * 0.2)));
}
