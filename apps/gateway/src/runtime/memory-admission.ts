import {
  type Admission,
  type AdmissionDecision,
  type AdmissionRequest,
  BUDGET_IDLE_MS,
  type BudgetRequest,
  SEED_MAX_AGE_MS,
  type Settlement,
  tombstoneTtl,
  validateAdmission,
  validateSettlement,
} from './admission.ts';
import { type Clock, systemClock } from './clock.ts';
import type { SlotRequest } from './concurrency-slots.ts';
import { ExpiringMap } from './expiring-map.ts';
import type { MemoryConcurrencySlots } from './memory-concurrency-slots.ts';
import type { MemoryRateLimiter } from './memory-rate-limiter.ts';
import type { MemoryStickySessions } from './memory-sticky-sessions.ts';
import { ReleasedRequests } from './released-requests.ts';

type Mirror = {
  base: bigint;
  spent: bigint;
  reserved: bigint;
  version: number;
  reservations: Map<string, { micros: bigint; deadline: number }>;
  expiresAt: number;
};

/** A lease held by a request in flight; released ones are remembered in `released`. */
type HeldLease = { expiresAt: number };

/**
 * Admission for embedded mode (one process). It shares the limiter, slot and sticky stores with the
 * runtime's other memory implementations and decides in one synchronous step, so it is as atomic as
 * the Redis script it mirrors.
 */
export class MemoryAdmission implements Admission {
  private readonly budgets: ExpiringMap<Mirror>;
  private readonly leases: ExpiringMap<HeldLease>;
  private readonly released: ReleasedRequests;

  constructor(
    private readonly limiter: MemoryRateLimiter,
    private readonly slots: MemoryConcurrencySlots,
    private readonly sticky: MemoryStickySessions,
    private readonly clock: Clock = systemClock,
  ) {
    this.budgets = new ExpiringMap(clock);
    this.leases = new ExpiringMap(clock);
    this.released = new ReleasedRequests(clock.now());
  }

  async admit(request: AdmissionRequest): Promise<AdmissionDecision> {
    validateAdmission(request);
    const now = this.clock.now();
    if (this.released.has(request.tenant, request.requestId, now))
      return { admitted: false, reason: 'released' };
    // Admitted already (a repeated call): take nothing more.
    if (this.leases.get(leaseKey(request), now) !== undefined) {
      return { admitted: true, sticky: this.stickyOf(request) };
    }
    const limits = request.limits;
    const limited = this.limiter.consumeManyNow(limits);
    if (!limited.allowed) {
      const index = limited.decisions.findIndex((d) => !d.allowed);
      return { admitted: false, reason: 'rate_limited', index, retryAfterMs: limited.retryAfterMs };
    }
    const refund = () =>
      this.limiter.adjustManyNow(
        limits.filter((l) => l.limit > 0).map((l) => ({ key: l.key, delta: -(l.cost ?? 1) })),
      );
    const slotRequests = slotRequestsOf(request);
    const slotted = this.slots.acquireManyNow(slotRequests);
    if (!slotted.acquired) {
      refund();
      return { admitted: false, reason: 'concurrency', index: slotted.rejectedIndex };
    }
    const mirrors: Mirror[] = [];
    for (let i = 0; i < request.budgets.length; i++) {
      const budget = request.budgets[i] as BudgetRequest;
      const mirror = this.mirrorOf(budget, now);
      const refusal: AdmissionDecision | undefined =
        mirror === undefined
          ? { admitted: false, reason: 'stale_view', index: i }
          : mirror.base + mirror.spent + mirror.reserved >= budget.capMicros
            ? {
                admitted: false,
                reason: 'budget',
                index: i,
                inFlight: mirror.base + mirror.spent < budget.capMicros,
              }
            : undefined;
      if (refusal !== undefined || mirror === undefined) {
        refund();
        for (const slot of slotRequests) this.slots.releaseNow(slot.key, slot.holder);
        return refusal ?? { admitted: false, reason: 'stale_view', index: i };
      }
      mirrors.push(mirror);
    }
    const deadline = now + request.leaseTtlMs;
    for (let i = 0; i < mirrors.length; i++) {
      const mirror = mirrors[i] as Mirror;
      const micros = (request.budgets[i] as BudgetRequest).reserveMicros;
      const previous = mirror.reservations.get(request.requestId);
      mirror.reserved += micros - (previous?.micros ?? 0n);
      mirror.reservations.set(request.requestId, { micros, deadline });
      mirror.expiresAt = Math.max(mirror.expiresAt, deadline + BUDGET_IDLE_MS);
    }
    this.leases.set(leaseKey(request), { expiresAt: deadline }, now);
    return { admitted: true, sticky: this.stickyOf(request) };
  }

  private stickyOf(request: AdmissionRequest): string | null {
    const { sticky } = request;
    return sticky === undefined ? null : this.sticky.getNow(sticky.key, sticky.refreshTtlMs);
  }

  async renew(request: AdmissionRequest, ttlMs: number): Promise<boolean> {
    validateAdmission(request);
    const now = this.clock.now();
    const mark = this.leases.get(leaseKey(request), now);
    if (mark === undefined) return false;
    const deadline = now + ttlMs;
    mark.expiresAt = deadline;
    for (const slot of slotRequestsOf(request)) this.slots.renewNow(slot.key, slot.holder, deadline);
    for (const budget of request.budgets) {
      const mirror = this.budgets.get(budget.key, now);
      const reservation = mirror?.reservations.get(request.requestId);
      if (mirror === undefined || reservation === undefined) continue;
      reservation.deadline = deadline;
      mirror.expiresAt = Math.max(mirror.expiresAt, deadline + BUDGET_IDLE_MS);
    }
    return true;
  }

  async release(request: AdmissionRequest, settlement: Settlement = {}): Promise<void> {
    validateAdmission(request);
    validateSettlement(settlement);
    const now = this.clock.now();
    const key = leaseKey(request);
    if (this.released.has(request.tenant, request.requestId, now)) {
      for (const slotKey of settlement.freeSlots ?? []) this.slots.releaseNow(slotKey, request.requestId);
      return;
    }
    if (this.leases.get(key, now) !== undefined) {
      for (const slot of slotRequestsOf(request)) this.slots.releaseNow(slot.key, slot.holder);
      if (settlement.refund === true) {
        this.limiter.adjustManyNow(
          request.limits.filter((l) => l.limit > 0).map((l) => ({ key: l.key, delta: -(l.cost ?? 1) })),
        );
      }
    }
    const charged = settlement.chargedMicros ?? 0n;
    for (const budget of request.budgets) {
      const mirror = this.budgets.get(budget.key, now);
      if (mirror === undefined) continue;
      this.sweep(mirror, now);
      const reservation = mirror.reservations.get(request.requestId);
      if (reservation !== undefined) {
        mirror.reserved -= reservation.micros;
        mirror.reservations.delete(request.requestId);
      }
      mirror.spent += charged;
      mirror.expiresAt = Math.max(mirror.expiresAt, now + BUDGET_IDLE_MS);
    }
    if (settlement.adjust !== undefined) this.limiter.adjustManyNow(settlement.adjust);
    for (const slotKey of settlement.freeSlots ?? []) this.slots.releaseNow(slotKey, request.requestId);
    this.leases.delete(key);
    this.released.add(request.tenant, request.requestId, now + tombstoneTtl(request.leaseTtlMs), now);
  }

  /** The budget's mirror, seeded or re-based from the caller's view; undefined when that view is too old to seed from. */
  private mirrorOf(budget: BudgetRequest, now: number): Mirror | undefined {
    const fresh = now - budget.loadedAt <= SEED_MAX_AGE_MS;
    let mirror = this.budgets.get(budget.key, now);
    if (mirror === undefined) {
      if (!fresh) return undefined;
      mirror = {
        base: budget.usedMicros,
        spent: 0n,
        reserved: 0n,
        version: budget.version,
        reservations: new Map(),
        expiresAt: now + BUDGET_IDLE_MS,
      };
      this.budgets.set(budget.key, mirror, now);
      return mirror;
    }
    if (budget.version > mirror.version) {
      if (!fresh) return undefined;
      mirror.base = budget.usedMicros;
      mirror.spent = 0n;
      mirror.version = budget.version;
    }
    this.sweep(mirror, now);
    // The ledger never shows more than the mirror knows unless settlements were lost (a release that
    // never reached the store): the ledger heals the mirror.
    if (budget.usedMicros > mirror.base + mirror.spent) mirror.base = budget.usedMicros - mirror.spent;
    return mirror;
  }

  /** Drops reservations whose lease expired (their request's process died or lost its lease). */
  private sweep(mirror: Mirror, now: number): void {
    for (const [id, reservation] of mirror.reservations) {
      if (reservation.deadline <= now) {
        mirror.reserved -= reservation.micros;
        mirror.reservations.delete(id);
      }
    }
  }
}

function leaseKey(request: AdmissionRequest): string {
  return `{${request.tenant}}:${request.requestId}`;
}

function slotRequestsOf(request: AdmissionRequest): SlotRequest[] {
  return request.slots.map((slot) => ({
    key: slot.key,
    limit: slot.limit,
    holder: request.requestId,
    ttlMs: request.leaseTtlMs,
  }));
}
