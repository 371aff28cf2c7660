import type { Admission, AdmissionRequest, Settlement } from './admission.ts';

export type LeaseKeeperOptions = {
  admission: Admission;
  /** Lease length; held leases are renewed every third of it. */
  leaseTtlMs: number;
  /** How often releases that failed are tried again. */
  retryMs?: number;
  /** Releases not done after this long are dropped (their slots and reservations expired long ago). */
  giveUpMs?: number;
  /** Most pending releases kept; beyond it the oldest is dropped. */
  maxPending?: number;
  onError?: (error: unknown, what: string) => void;
};

type Pending = {
  /** An admission lease to release (its settlements merge), or any other idempotent undo. */
  request?: AdmissionRequest;
  settlement: Settlement;
  run?: () => Promise<unknown>;
  since: number;
  inFlight: boolean;
};

/**
 * The gateway side of admission leases: renews the leases of requests in flight, and makes sure
 * every lease is released exactly once even when Redis does not answer at that moment.
 *
 * - `hold` renews a lease every ttl/3 until the returned function is called (long streams keep
 *   their slots; a crashed process stops renewing and its leases expire within one ttl).
 * - `release` ends a lease; if Redis fails, the release is queued and retried until it answers.
 * - `compensate` is for an admission whose call failed on the client (timeout, connection lost):
 *   the script may still run once Redis answers, so the lease is released (with a refund of its
 *   rate-limit units) as soon as Redis is back. Releases are idempotent and leave a tombstone, so a
 *   late admission of the same request id takes nothing.
 */
export class LeaseKeeper {
  private readonly pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | undefined;
  private readonly retryMs: number;
  private readonly giveUpMs: number;
  private readonly maxPending: number;

  constructor(private readonly options: LeaseKeeperOptions) {
    this.retryMs = options.retryMs ?? 200;
    this.giveUpMs = options.giveUpMs ?? 10 * 60_000;
    this.maxPending = options.maxPending ?? 100_000;
  }

  get leaseTtlMs(): number {
    return this.options.leaseTtlMs;
  }

  /** Releases waiting for Redis. */
  get backlog(): number {
    return this.pending.size;
  }

  /** Renews the lease every ttl/3 (plus `renewAlso`, e.g. an account slot) until the returned stop is called. */
  hold(request: AdmissionRequest, renewAlso?: () => Promise<unknown>): () => void {
    const ttl = this.options.leaseTtlMs;
    const timer = setInterval(
      () => {
        this.options.admission.renew(request, ttl).then(
          (alive) => {
            if (!alive) this.options.onError?.(new Error('lease lost before the request ended'), 'renew');
          },
          (error: unknown) => this.options.onError?.(error, 'renew'),
        );
        renewAlso?.().catch((error: unknown) => this.options.onError?.(error, 'renew'));
      },
      Math.max(1, Math.floor(ttl / 3)),
    );
    timer.unref();
    return () => clearInterval(timer);
  }

  /** Runs `renew` every ttl/3 until the returned stop is called (e.g. an account slot's lease). */
  every(renew: () => Promise<unknown>): () => void {
    const timer = setInterval(
      () => {
        renew().catch((error: unknown) => this.options.onError?.(error, 'renew'));
      },
      Math.max(1, Math.floor(this.options.leaseTtlMs / 3)),
    );
    timer.unref();
    return () => clearInterval(timer);
  }

  /** Runs an idempotent undo (e.g. a slot release) now, and again until it succeeds. */
  undo(id: string, run: () => Promise<unknown>): void {
    run().catch((error: unknown) => {
      this.options.onError?.(error, 'undo');
      this.add(`undo\u0000${id}`, { settlement: {}, run, since: Date.now(), inFlight: false });
    });
  }

  /** Ends a lease now, or as soon as Redis answers again. */
  release(request: AdmissionRequest, settlement: Settlement = {}): void {
    this.options.admission.release(request, settlement).catch((error: unknown) => {
      this.options.onError?.(error, 'release');
      this.enqueue(request, settlement);
    });
  }

  /** The admission call failed on the client: undo whatever it may still do once Redis answers. */
  compensate(request: AdmissionRequest): void {
    this.enqueue(request, { refund: true });
  }

  /** Stops retrying (at shutdown); what is still pending expires with its lease. */
  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private enqueue(request: AdmissionRequest, settlement: Settlement): void {
    const id = `${request.tenant}\u0000${request.requestId}`;
    const existing = this.pending.get(id);
    if (existing !== undefined) {
      existing.settlement = mergeSettlements(existing.settlement, settlement);
      return;
    }
    this.add(id, { request, settlement, since: Date.now(), inFlight: false });
  }

  private add(id: string, entry: Pending): void {
    if (this.pending.has(id)) return;
    if (this.pending.size >= this.maxPending) {
      const oldest = this.pending.keys().next();
      if (!oldest.done) this.pending.delete(oldest.value);
    }
    this.pending.set(id, entry);
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.retry(), this.retryMs);
      this.timer.unref();
    }
  }

  private retry(): void {
    const now = Date.now();
    for (const [id, entry] of this.pending) {
      if (now - entry.since > this.giveUpMs) {
        this.pending.delete(id);
        continue;
      }
      if (entry.inFlight) continue;
      entry.inFlight = true;
      const settlement = entry.settlement;
      const attempt =
        entry.request !== undefined
          ? this.options.admission.release(entry.request, settlement)
          : (entry.run?.() ?? Promise.resolve());
      attempt.then(
        () => {
          // A settlement merged in while this attempt ran is sent on the next tick.
          if (entry.settlement === settlement) this.pending.delete(id);
          entry.inFlight = false;
        },
        () => {
          entry.inFlight = false;
        },
      );
    }
    if (this.pending.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}

/**
 * A compensation and the request's own release may both be pending: one release carries both (the
 * refund is only applied when the lease was actually taken; the charge always).
 */
function mergeSettlements(a: Settlement, b: Settlement): Settlement {
  const charged = (a.chargedMicros ?? 0n) > (b.chargedMicros ?? 0n) ? a.chargedMicros : b.chargedMicros;
  return {
    chargedMicros: charged,
    adjust: a.adjust ?? b.adjust,
    refund: a.refund === true || b.refund === true,
    freeSlots: [...new Set([...(a.freeSlots ?? []), ...(b.freeSlots ?? [])])],
  };
}
