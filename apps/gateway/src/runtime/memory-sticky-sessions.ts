import { type Clock, systemClock } from './clock.ts';
import { ExpiringMap } from './expiring-map.ts';
import {
  DEFAULT_STICKY_TTL_MS,
  type StickySessions,
  validateSessionKey,
  validateStickyTtl,
} from './sticky-sessions.ts';

type Binding = { accountId: string; expiresAt: number };

export class MemoryStickySessions implements StickySessions {
  private readonly bindings: ExpiringMap<Binding>;

  constructor(private readonly clock: Clock = systemClock) {
    this.bindings = new ExpiringMap(clock);
  }

  async get(sessionKey: string, refreshTtlMs?: number): Promise<string | null> {
    return this.getNow(sessionKey, refreshTtlMs);
  }

  getNow(sessionKey: string, refreshTtlMs?: number): string | null {
    validateSessionKey(sessionKey);
    if (refreshTtlMs !== undefined) validateStickyTtl(refreshTtlMs);
    const now = this.clock.now();
    const binding = this.bindings.get(sessionKey, now);
    if (binding === undefined) return null;
    if (refreshTtlMs !== undefined) {
      binding.expiresAt = now + refreshTtlMs;
      this.bindings.touch(now);
    }
    return binding.accountId;
  }

  async set(sessionKey: string, accountId: string, ttlMs: number = DEFAULT_STICKY_TTL_MS): Promise<void> {
    validateSessionKey(sessionKey);
    validateStickyTtl(ttlMs);
    const now = this.clock.now();
    this.bindings.set(sessionKey, { accountId, expiresAt: now + ttlMs }, now);
  }

  async delete(sessionKey: string): Promise<void> {
    validateSessionKey(sessionKey);
    this.bindings.delete(sessionKey);
  }
}
