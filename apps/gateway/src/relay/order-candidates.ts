/** An account that may serve the request, with the load figures selection needs. */
export type SelectionCandidate = {
  accountId: string;
  /** Lower wins; the binding's override when set, else the account's. */
  priority: number;
  weight: number;
  /** Configured concurrency; 0 means unlimited. */
  concurrency: number;
  inFlight: number;
  /** Epoch ms of the last request sent to it; 0 when never used. */
  lastUsedAt: number;
};

/**
 * The order in which to try candidates (docs/architecture.md#usage-and-billing): the sticky account first while it is a
 * candidate; then priority tiers, lower first; within a tier the least loaded relative to its capacity
 * and weight; ties go to the least recently used, which spreads a quiet group's traffic evenly.
 */
export function orderCandidates(
  candidates: readonly SelectionCandidate[],
  stickyAccountId: string | undefined,
): SelectionCandidate[] {
  const ordered = [...candidates].sort(compareCandidates);
  if (stickyAccountId !== undefined) {
    const at = ordered.findIndex((candidate) => candidate.accountId === stickyAccountId);
    if (at > 0) {
      const [sticky] = ordered.splice(at, 1);
      if (sticky) ordered.unshift(sticky);
    }
  }
  return ordered;
}

function loadRatio(candidate: SelectionCandidate): number {
  const capacity =
    (candidate.concurrency > 0 ? candidate.concurrency : 1_000) * Math.max(candidate.weight, 0.001);
  return candidate.inFlight / capacity;
}

/** The selection order of two candidates (negative: `a` is tried first). */
export function compareCandidates(a: SelectionCandidate, b: SelectionCandidate): number {
  return a.priority - b.priority || loadRatio(a) - loadRatio(b) || a.lastUsedAt - b.lastUsedAt;
}
