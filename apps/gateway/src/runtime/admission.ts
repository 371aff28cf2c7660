import { assertDistinctKeys } from './distinct-keys.ts';
import type { RateLimitAdjustment, RateLimitRequest } from './rate-limiter.ts';
import { validateAdjustment, validateRateLimitRequest } from './rate-limiter.ts';
import { validateSessionKey, validateStickyTtl } from './sticky-sessions.ts';

/**
 * Admission: everything a request takes from the shared state before it is relayed, taken at once
 * (one Redis script call, or one synchronous step in memory) and held as a lease keyed by the
 * request id:
 *
 * - rate-limit windows (rpm, tpm): consumed, like `RateLimiter.consumeMany`;
 * - concurrency slots (key, user…): a lease per request id, like `ConcurrencySlots.acquireMany`;
 * - the sticky account of the session (read and refreshed);
 * - budget reservations (key quota, user balance): the request's worst-case cost is reserved
 *   against the budget, so every replica sees what the others have promised.
 *
 * All or nothing: a refusal takes nothing. The lease ends `leaseTtlMs` after admission unless
 * renewed (`renew`, while a stream is open); a crashed process's lease simply expires. `release`
 * ends it (settling the budgets to the real charge) and is idempotent; once a request id is
 * released, a late `admit` with that id (a call that timed out on the client and ran afterwards)
 * takes nothing.
 */
export interface Admission {
  admit(request: AdmissionRequest): Promise<AdmissionDecision>;
  /** Extends a live lease by `ttlMs` from now; false when it is gone (expired or released). */
  renew(request: AdmissionRequest, ttlMs: number): Promise<boolean>;
  /**
   * Ends the lease: frees the slots, drops the reservations, adds `chargedMicros` to every budget's
   * spend, applies `adjust` (tpm: actual − estimated tokens). `refund` also gives back the
   * rate-limit units the admission consumed (used to compensate an admission that timed out on the
   * client). Idempotent: a second release of the same request id changes nothing.
   */
  release(request: AdmissionRequest, settlement?: Settlement): Promise<void>;
}

export type Settlement = {
  chargedMicros?: bigint;
  adjust?: readonly RateLimitAdjustment[];
  refund?: boolean;
  /**
   * Slot keys (`ConcurrencySlots` layout) this request id holds outside the lease, e.g. an account's,
   * freed in the same call. Only on a single Redis node: on Cluster they live in other hash slots.
   */
  freeSlots?: readonly string[];
};

export type AdmissionSlot = {
  /** Logical slot key, shared with `ConcurrencySlots` (same store, same layout). */
  key: string;
  /** 0 = not counted. */
  limit: number;
};

/**
 * One budget: spending is allowed while `used + settled + reserved < capMicros`, so the request that
 * crosses the line is the last one admitted (a key quota: cap = quota, used = quota_used; a user
 * balance: cap = 0, used = −balance).
 *
 * The shared state keeps a mirror of the ledger per budget: `base` (the ledger's figure when the mirror
 * was seeded), `spent` (charges settled since) and the live reservations. It is seeded from the
 * caller's view of the ledger when absent (first use, after Redis lost its data, after an idle
 * hour), and re-based when the ledger row's admin `version` is newer than the one it was seeded from
 * (an operator topped up or reset the figure). Seeding needs a fresh view: when the caller's view is
 * older than `SEED_MAX_AGE_MS`, admission answers `stale_view` and the caller reloads it. A view
 * showing more spent than the mirror knows (settlements lost while the store was unreachable) lifts
 * the mirror to it: the ledger is the source of truth, the mirror only adds what it has not seen yet.
 */
export type BudgetRequest = {
  /** Logical key, e.g. `{usr_1}:budget:key:key_9`. */
  key: string;
  capMicros: bigint;
  usedMicros: bigint;
  /** The ledger row's admin version (bumped by every operator edit, not by charges). */
  version: number;
  /** When the caller's view of the ledger was read (epoch ms, the runtime clock). */
  loadedAt: number;
  /** Worst-case cost of this request. */
  reserveMicros: bigint;
};

export type AdmissionRequest = {
  /** Hash tag of the lease record (the tenant, e.g. the user id); on Redis Cluster every key of the call shares it. */
  tenant: string;
  requestId: string;
  leaseTtlMs: number;
  limits: readonly RateLimitRequest[];
  slots: readonly AdmissionSlot[];
  sticky?: { key: string; refreshTtlMs: number } | undefined;
  budgets: readonly BudgetRequest[];
};

export type AdmissionDecision =
  | { admitted: true; sticky: string | null }
  | { admitted: false; reason: 'rate_limited'; index: number; retryAfterMs: number }
  | { admitted: false; reason: 'concurrency'; index: number }
  | {
      admitted: false;
      reason: 'budget';
      index: number;
      /** True when the budget is not spent yet but the reservations of requests in flight fill it. */
      inFlight: boolean;
    }
  | { admitted: false; reason: 'stale_view'; index: number }
  | { admitted: false; reason: 'released' };

/** A view of the ledger older than this cannot seed or re-base a budget mirror. */
export const SEED_MAX_AGE_MS = 2_000;
/** A budget mirror nobody touched for this long is dropped and later re-seeded from the ledger. */
export const BUDGET_IDLE_MS = 3_600_000;
/** How long a released request id is remembered (late admissions of it take nothing). */
export function tombstoneTtl(leaseTtlMs: number): number {
  return Math.max(2 * leaseTtlMs, 60_000);
}

/** Lua numbers are doubles: money stays exact up to 2^53 micro-USD (about 9 billion USD). */
const MAX_MICROS = 2n ** 53n;

function validMicros(value: bigint, what: string): void {
  if (typeof value !== 'bigint' || value > MAX_MICROS || value < -MAX_MICROS) {
    throw new RangeError(`${what} must be a bigint within ±2^53 micro-USD`);
  }
}

export function validateAdmission(request: AdmissionRequest): void {
  const { tenant, requestId, leaseTtlMs } = request;
  if (typeof tenant !== 'string' || tenant.length === 0 || /[{}]/.test(tenant)) {
    throw new RangeError('admission tenant must be a non-empty string without braces');
  }
  if (typeof requestId !== 'string' || requestId.length === 0)
    throw new RangeError('admission requestId must be a non-empty string');
  if (!Number.isSafeInteger(leaseTtlMs) || leaseTtlMs < 1)
    throw new RangeError('admission leaseTtlMs must be an integer >= 1');
  for (const limit of request.limits) validateRateLimitRequest(limit);
  assertDistinctKeys(request.limits, 'admit limits');
  for (const slot of request.slots) {
    if (typeof slot.key !== 'string' || slot.key.length === 0)
      throw new RangeError('slot key must be a non-empty string');
    if (!Number.isSafeInteger(slot.limit) || slot.limit < 0)
      throw new RangeError(`slot limit must be an integer >= 0 (${slot.key})`);
  }
  assertDistinctKeys(request.slots, 'admit slots');
  if (request.sticky !== undefined) {
    validateSessionKey(request.sticky.key);
    validateStickyTtl(request.sticky.refreshTtlMs);
  }
  for (const budget of request.budgets) {
    if (typeof budget.key !== 'string' || budget.key.length === 0)
      throw new RangeError('budget key must be a non-empty string');
    validMicros(budget.capMicros, `budget cap (${budget.key})`);
    validMicros(budget.usedMicros, `budget used (${budget.key})`);
    validMicros(budget.reserveMicros, `budget reservation (${budget.key})`);
    if (budget.reserveMicros < 0n) throw new RangeError(`budget reservation must be >= 0 (${budget.key})`);
    if (!Number.isSafeInteger(budget.version)) throw new RangeError(`budget version must be an integer`);
    if (!Number.isSafeInteger(budget.loadedAt)) throw new RangeError(`budget loadedAt must be an integer`);
  }
  assertDistinctKeys(request.budgets, 'admit budgets');
}

export function validateSettlement(settlement: Settlement): void {
  if (settlement.chargedMicros !== undefined) {
    validMicros(settlement.chargedMicros, 'charge');
    if (settlement.chargedMicros < 0n) throw new RangeError('charge must be >= 0');
  }
  for (const adjustment of settlement.adjust ?? []) validateAdjustment(adjustment);
  for (const key of settlement.freeSlots ?? []) {
    if (typeof key !== 'string' || key.length === 0)
      throw new RangeError('slot key must be a non-empty string');
  }
  assertDistinctKeys(settlement.adjust ?? [], 'release adjust');
}
