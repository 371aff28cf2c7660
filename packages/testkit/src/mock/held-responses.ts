import type { ServerResponse } from 'node:http';

/**
 * Responses the mock keeps open on purpose (hang, delays, slow streams) with their pending timer,
 * so a client disconnect cancels the timer and stop()/close() leave nothing behind.
 */
export class HeldResponses {
  readonly #timers = new Map<ServerResponse, NodeJS.Timeout | undefined>();

  get size(): number {
    return this.#timers.size;
  }

  hold(res: ServerResponse): void {
    if (this.#timers.has(res)) return;
    this.#timers.set(res, undefined);
    res.once('close', () => this.release(res));
  }

  /** Runs `fn` in `ms` unless the response closes first; the response counts as held meanwhile. */
  after(res: ServerResponse, ms: number, fn: () => void): void {
    this.hold(res);
    clearTimeout(this.#timers.get(res));
    this.#timers.set(
      res,
      setTimeout(() => {
        this.#timers.set(res, undefined);
        fn();
      }, ms),
    );
  }

  release(res: ServerResponse): void {
    clearTimeout(this.#timers.get(res));
    this.#timers.delete(res);
  }

  releaseAll(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }
}
