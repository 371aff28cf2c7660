import type { Clock } from '../clock.ts';

export type LoginThrottleOptions = {
  /** Failures allowed within the window before further attempts are refused. */
  maxFailures: number;
  windowMs: number;
  /** Bound on tracked addresses so a flood of spoofed sources cannot grow memory without limit. */
  maxTrackedAddresses: number;
};

const DEFAULT_LOGIN_THROTTLE: LoginThrottleOptions = {
  maxFailures: 5,
  windowMs: 15 * 60_000,
  maxTrackedAddresses: 10_000,
};

/**
 * Failed-login throttling per client address, in memory (the manager runs as one process; a restart
 * forgets failures, which is acceptable for a throttle). Sliding window: an address with `maxFailures`
 * failures inside `windowMs` is refused until the oldest of them leaves the window.
 */
export class LoginThrottle {
  readonly #failures = new Map<string, number[]>();

  constructor(
    private readonly clock: Clock,
    private readonly options: LoginThrottleOptions = DEFAULT_LOGIN_THROTTLE,
  ) {}

  /** Milliseconds until `address` may try again; 0 when it may try now. */
  retryAfterMs(address: string): number {
    const recent = this.#recent(address);
    if (recent.length < this.options.maxFailures) return 0;
    const oldest = recent[recent.length - this.options.maxFailures] ?? 0;
    return Math.max(0, oldest + this.options.windowMs - this.clock());
  }

  recordFailure(address: string): void {
    const recent = this.#recent(address);
    recent.push(this.clock());
    this.#failures.delete(address);
    this.#failures.set(address, recent.slice(-this.options.maxFailures));
    if (this.#failures.size > this.options.maxTrackedAddresses) {
      // Maps iterate in insertion order: the first key is the least recently failed address.
      const first = this.#failures.keys().next();
      if (!first.done) this.#failures.delete(first.value);
    }
  }

  recordSuccess(address: string): void {
    this.#failures.delete(address);
  }

  #recent(address: string): number[] {
    const since = this.clock() - this.options.windowMs;
    return (this.#failures.get(address) ?? []).filter((at) => at > since);
  }
}
