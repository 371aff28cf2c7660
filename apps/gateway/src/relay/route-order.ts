import type { AccountState } from '../runtime/account-health.ts';
import { compareCandidates, orderCandidates, type SelectionCandidate } from './order-candidates.ts';
import { planFor } from './protocol-plan.ts';
import type { RelayCall, RelayEnv } from './relay-call.ts';
import type { ModelRoute } from './tenant-directory.ts';

/** The routes that may be tried now: no cooldown, circuit closed or on trial. */
export function usableRoutes(
  call: RelayCall,
  states: ReadonlyMap<string, AccountState>,
  now: number,
): ModelRoute[] {
  return call.routes.filter((route) => {
    const until = route.account.row.cooldownUntil?.getTime();
    if (until !== undefined && until > now) return false;
    const status = states.get(route.account.row.id)?.status ?? 'closed';
    return status === 'closed' || status === 'half_open';
  });
}

/**
 * The order in which routes are tried: `preferred` first while it is usable, then priority, load
 * and recency (order-candidates.ts); accounts that speak the client's protocol before accounts that
 * need a translation (the order within each kind is kept; most groups have one kind only).
 */
export function orderRoutes(
  env: RelayEnv,
  call: RelayCall,
  usable: readonly ModelRoute[],
  preferred: string | undefined,
): ModelRoute[] {
  const byId = new Map(usable.map((route) => [route.account.row.id, route]));
  const ordered = orderCandidates(
    usable.map((route) => candidateOf(env, route)),
    preferred,
  ).flatMap((candidate) => byId.get(candidate.accountId) ?? []);
  const translated = (route: ModelRoute) => isTranslated(call, route);
  if (!ordered.some(translated) || ordered.every(translated)) return ordered;
  return [...ordered.filter((route) => !translated(route)), ...ordered.filter(translated)];
}

/**
 * `orderRoutes(…)[0]` without sorting: the route tried first (what the slot claimed with admission
 * is for), in one pass over the candidates.
 */
export function firstRoute(
  env: RelayEnv,
  call: RelayCall,
  usable: readonly ModelRoute[],
  preferred: string | undefined,
): ModelRoute | undefined {
  // Natives first when the group mixes protocols: the first route is then the first native one.
  const natives = usable.some((route) => !isTranslated(call, route));
  let best: ModelRoute | undefined;
  let bestCandidate: SelectionCandidate | undefined;
  for (const route of usable) {
    if (natives && isTranslated(call, route)) continue;
    if (route.account.row.id === preferred) return route;
    const candidate = candidateOf(env, route);
    if (bestCandidate === undefined || compareCandidates(candidate, bestCandidate) < 0) {
      best = route;
      bestCandidate = candidate;
    }
  }
  return best;
}

function candidateOf(env: RelayEnv, route: ModelRoute): SelectionCandidate {
  const id = route.account.row.id;
  return {
    accountId: id,
    priority: route.account.priority,
    weight: route.account.row.weight,
    concurrency: route.account.row.concurrency,
    inFlight: env.inFlight.get(id) ?? 0,
    lastUsedAt: env.lastUsed.get(id) ?? 0,
  };
}

function isTranslated(call: RelayCall, route: ModelRoute): boolean {
  return planFor(call.endpoint, route.account)?.translation !== undefined;
}

/** Remembers the sticky account this process saw for a key (bounded: forgotten wholesale when full). */
export function rememberSticky(env: RelayEnv, stickyKey: string, accountId: string): void {
  if (env.stickyHints.size >= STICKY_HINTS_MAX) env.stickyHints.clear();
  env.stickyHints.set(stickyKey, accountId);
}

const STICKY_HINTS_MAX = 10_000;
