/**
 * Session identity → the account that served it, so follow-up requests keep the provider's prompt
 * cache warm (docs/architecture.md#usage-and-billing). Values expire `ttlMs` after the last set/refresh.
 */
export const DEFAULT_STICKY_TTL_MS = 3_600_000;

export interface StickySessions {
  /**
   * The account bound to the session, or null. With `refreshTtlMs` the binding's lifetime is
   * extended in the same round trip (the hot path reads and refreshes at once).
   */
  get(sessionKey: string, refreshTtlMs?: number): Promise<string | null>;
  set(sessionKey: string, accountId: string, ttlMs?: number): Promise<void>;
  delete(sessionKey: string): Promise<void>;
}

export function validateSessionKey(sessionKey: string): void {
  if (typeof sessionKey !== 'string' || sessionKey.length === 0) {
    throw new RangeError('session key must be a non-empty string');
  }
}

export function validateStickyTtl(ttlMs: number): void {
  if (!Number.isSafeInteger(ttlMs) || ttlMs < 1)
    throw new RangeError('sticky session ttlMs must be an integer >= 1');
}
