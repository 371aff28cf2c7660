import type { SlotRequest } from '../runtime/concurrency-slots.ts';
import { isRuntimeUnavailableError } from '../runtime/errors.ts';
import { limiterUnavailable } from './admission-gate.ts';
import type { RelayCall, RelayEnv } from './relay-call.ts';
import type { ModelRoute } from './tenant-directory.ts';

/**
 * How asking for an account's concurrency slot ended: `taken` (a lease on the slot is held),
 * `free` (nothing to hold: the account has no limit, or Redis is down and the policy is open),
 * `full`, or an error to throw (Redis did not answer and the policy is closed, or a bug).
 */
export type SlotOutcome = 'taken' | 'free' | 'full' | { error: unknown };

/**
 * An account's slot asked for before the account was chosen: the relay predicts the first candidate
 * and sends the slot request in the same write as admission (one round trip instead of two); the
 * claim is used when that account is indeed tried first, and given back otherwise.
 */
export type SlotClaim = { accountId: string; route: ModelRoute; outcome: Promise<SlotOutcome> };

function slotOf(env: RelayEnv, call: RelayCall, route: ModelRoute): SlotRequest {
  return {
    key: `{${route.account.row.id}}:conc:account`,
    limit: route.account.row.concurrency,
    holder: call.requestId,
    ttlMs: env.keeper.leaseTtlMs,
  };
}

/**
 * Asks for the account's own concurrency slot (accounts are shared across tenants, so this slot
 * lives outside the tenant's admission call). Never rejects.
 */
export async function requestAccountSlot(
  env: RelayEnv,
  call: RelayCall,
  route: ModelRoute,
): Promise<SlotOutcome> {
  const slot = slotOf(env, call, route);
  // Served open because Redis did not answer at admission: do not wait on it a second time.
  if (slot.limit <= 0 || call.ticket?.degraded === true) return 'free';
  try {
    return (await env.slots.acquire(slot)).acquired ? 'taken' : 'full';
  } catch (error) {
    if (!isRuntimeUnavailableError(error)) return { error };
    // The acquisition may still run once Redis answers: release it by request id then.
    env.keeper.undo(`${slot.key}\u0000${slot.holder}`, () => env.slots.release(slot.key, slot.holder));
    return env.whenLimiterUnavailable === 'open' ? 'free' : { error };
  }
}

/**
 * Makes a slot request's outcome the call's: a taken slot is held (freed with the lease, renewed
 * while the call runs); true when the account may be tried. A closed-policy outage is a 503.
 */
export function holdAccountSlot(
  env: RelayEnv,
  call: RelayCall,
  route: ModelRoute,
  outcome: SlotOutcome,
): boolean {
  if (typeof outcome === 'object') {
    throw isRuntimeUnavailableError(outcome.error) ? limiterUnavailable() : outcome.error;
  }
  if (outcome !== 'taken') return outcome === 'free';
  const slot = slotOf(env, call, route);
  call.held.push({ key: slot.key, holder: slot.holder });
  call.stopRenewals.push(env.keeper.every(() => env.slots.acquire(slot)));
  return true;
}

/** Gives back the call's claimed slot, unused (fire and forget; retried if Redis is down). */
export function returnClaim(env: RelayEnv, call: RelayCall): void {
  const claim = call.claim;
  if (claim === undefined) return;
  call.claim = undefined;
  const slot = slotOf(env, call, claim.route);
  void claim.outcome.then((outcome) => {
    if (outcome !== 'taken') return;
    env.slots.release(slot.key, slot.holder).catch(() => {
      env.keeper.undo(`${slot.key}\u0000${slot.holder}`, () => env.slots.release(slot.key, slot.holder));
    });
  });
}
