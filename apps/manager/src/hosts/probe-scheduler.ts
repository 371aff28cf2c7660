import type { Logger } from '../logger.ts';

/**
 * Runs `round` every `intervalMs` (docs/architecture.md#hosts-and-probes: scheduled probes feeding /metrics). A timer chain rather
 * than setInterval so a slow round never overlaps the next; the timer is unref'd so it never keeps the
 * process alive, and stop() waits for a running round before shutdown closes the database.
 */
export class ProbeScheduler {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = true;

  constructor(
    private readonly round: () => Promise<void>,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#schedule();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.round()
        .catch((error: unknown) => this.logger.error({ err: error }, 'scheduled probe round failed'))
        .finally(() => {
          this.#running = undefined;
          this.#schedule();
        });
    }, this.intervalMs);
    this.#timer.unref();
  }
}
