import type { MiddlewareHandler } from 'hono';
import { PublicError } from '../errors.ts';
import type { AppEnv } from './env.ts';

/** Paths still answered while draining: liveness and metrics (readiness says "draining"). */
const ALWAYS_ANSWERED = new Set(['/healthz', '/metrics']);

/**
 * Graceful drain (SIGTERM): from `begin()` on, every new request — also one arriving on a kept-alive
 * connection — is refused with 503 and `Connection: close` (so the client retries on a new connection,
 * which reaches another replica), `/readyz` answers 503, and `idle()` resolves once the requests that
 * were already in flight (streams included, their usage recorded) have finished.
 */
export class Drain {
  private inFlight = 0;
  private started = false;
  private readonly waiters: Array<() => void> = [];

  get draining(): boolean {
    return this.started;
  }

  get inFlightCount(): number {
    return this.inFlight;
  }

  begin(): void {
    this.started = true;
    this.wakeIfIdle();
  }

  /** Resolves when draining and no request is in flight. */
  idle(): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.wakeIfIdle();
    });
  }

  /** Whether a new request for `path` is refused now (liveness and metrics are always answered). */
  refuses(path: string): boolean {
    return this.started && !ALWAYS_ANSWERED.has(path);
  }

  /** Counts a request in flight until `leave()`; `idle()` waits for it. */
  enter(): void {
    this.inFlight += 1;
  }

  leave(): void {
    this.inFlight -= 1;
    this.wakeIfIdle();
  }

  middleware(): MiddlewareHandler<AppEnv> {
    return async (c, next) => {
      if (this.refuses(c.req.path)) {
        if (c.req.path === '/readyz') {
          return c.json({ status: 'draining' }, 503, { connection: 'close' });
        }
        throw drainingError();
      }
      this.enter();
      try {
        await next();
      } finally {
        this.leave();
      }
    };
  }

  private wakeIfIdle(): void {
    if (!this.started || this.inFlight > 0) return;
    for (const wake of this.waiters.splice(0)) wake();
  }
}

/** The answer to a request arriving while draining: the client retries on a new connection. */
export function drainingError(): PublicError {
  return new PublicError('SERVICE_UNAVAILABLE', 'the gateway is shutting down; retry the request', {
    retryAfterSeconds: 1,
    closeConnection: true,
  });
}
