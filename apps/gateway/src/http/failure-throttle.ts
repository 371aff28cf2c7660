import type { Context } from 'hono';

export type FailureThrottleOptions = {
  /** Failures allowed inside the window; the next attempt from the address is refused. */
  maxFailures: number;
  windowMs: number;
  /** Bound on tracked addresses, so a flood from many sources cannot grow memory without limit. */
  maxTrackedAddresses?: number;
  now?: () => number;
};

/**
 * Failed-credential throttling per client address, in memory (each replica counts its own; a restart
 * forgets, which is acceptable for a throttle). Sliding window: an address with `maxFailures` failures
 * inside `windowMs` is refused until the oldest of them leaves the window. While refused, credentials
 * from that address are not checked at all, so a correct guess cannot be told from a wrong one.
 */
export class FailureThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly options: FailureThrottleOptions) {}

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  /** Milliseconds until `address` may try again; 0 when it may try now. */
  retryAfterMs(address: string): number {
    const recent = this.recent(address);
    if (recent.length < this.options.maxFailures) return 0;
    const oldest = recent[recent.length - this.options.maxFailures] ?? 0;
    return Math.max(0, oldest + this.options.windowMs - this.now());
  }

  recordFailure(address: string): void {
    const recent = this.recent(address);
    recent.push(this.now());
    // Re-inserted so Map order stays least-recently-failed first, for eviction.
    this.failures.delete(address);
    this.failures.set(address, recent.slice(-this.options.maxFailures));
    if (this.failures.size > (this.options.maxTrackedAddresses ?? 10_000)) {
      const first = this.failures.keys().next();
      if (!first.done) this.failures.delete(first.value);
    }
  }

  private recent(address: string): number[] {
    const since = this.now() - this.options.windowMs;
    return (this.failures.get(address) ?? []).filter((at) => at > since);
  }
}

/** The peer address of a request served by @hono/node-server (`unknown` in-process). */
export function clientAddress(c: Context): string {
  const env = c.env as { incoming?: PeerOf } | undefined;
  return peerAddress(env?.incoming);
}

type PeerOf = { socket?: { remoteAddress?: string } | null };

/** The peer address of a Node request (`unknown` once the socket is gone). */
export function peerAddress(incoming: PeerOf | undefined): string {
  return incoming?.socket?.remoteAddress ?? 'unknown';
}
