import type { Clock } from './clock.ts';

/** A value that knows when it stops being valid (epoch ms, exclusive). */
export type Expiring = { expiresAt: number };

/**
 * A Map whose values carry their own deadline. Reads ignore (and drop) expired values; every write
 * also inspects two entries through a persistent iterator and drops them if expired, so memory is
 * reclaimed in amortised O(1) per write with no timers and no periodic full scans (no latency spikes).
 * Values are mutable objects: updating one in place and calling `touch` avoids an allocation.
 */
export class ExpiringMap<V extends Expiring> {
  private readonly entries = new Map<string, V>();
  private cursor: Iterator<[string, V]> | undefined;

  constructor(private readonly clock: Clock) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string, now: number = this.clock.now()): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    if (value.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return value;
  }

  set(key: string, value: V, now: number = this.clock.now()): void {
    this.entries.set(key, value);
    this.sweep(now);
  }

  /** Call after mutating a value obtained from `get`: keeps the amortised sweep going. */
  touch(now: number = this.clock.now()): void {
    this.sweep(now);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  private sweep(now: number): void {
    for (let step = 0; step < 2; step++) {
      this.cursor ??= this.entries.entries();
      const next = this.cursor.next();
      if (next.done) {
        this.cursor = undefined;
        return;
      }
      const [key, value] = next.value;
      if (value.expiresAt <= now) this.entries.delete(key);
    }
  }
}
