/**
 * The request ids whose leases were released, per tenant, each remembered until its own deadline
 * (rounded up to the second): the memory admission's tombstones. An embedded gateway holds one for
 * every request of the last minute, so the form is lean: per tenant a Map from request id to the
 * deadline in whole seconds since this object was made (a small integer, stored inline) — measured
 * at ~130 bytes of heap per id, against ~250 for a `{ state, expiresAt }` mark under a
 * `{tenant}:id` key. Expired ids are dropped as in ExpiringMap: on read, and two entries inspected
 * per write through a persistent cursor (amortised O(1), no timers).
 */
export class ReleasedRequests {
  private readonly tenants = new Map<string, TenantIds>();
  private readonly epochSeconds: number;

  constructor(now: number) {
    this.epochSeconds = Math.floor(now / 1000);
  }

  /** Remembers `requestId` until at least `until` (epoch ms). */
  add(tenant: string, requestId: string, until: number, now: number): void {
    let ids = this.tenants.get(tenant);
    if (ids === undefined) {
      ids = { deadlines: new Map(), cursor: undefined };
      this.tenants.set(tenant, ids);
    }
    ids.deadlines.set(requestId, Math.ceil(until / 1000) - this.epochSeconds);
    this.sweep(tenant, ids, now);
  }

  has(tenant: string, requestId: string, now: number): boolean {
    const ids = this.tenants.get(tenant);
    const deadline = ids?.deadlines.get(requestId);
    if (ids === undefined || deadline === undefined) return false;
    if (this.expired(deadline, now)) {
      ids.deadlines.delete(requestId);
      return false;
    }
    return true;
  }

  /** Ids remembered (expired ones not yet swept included). */
  get size(): number {
    let size = 0;
    for (const ids of this.tenants.values()) size += ids.deadlines.size;
    return size;
  }

  private expired(deadline: number, now: number): boolean {
    return (deadline + this.epochSeconds) * 1000 <= now;
  }

  private sweep(tenant: string, ids: TenantIds, now: number): void {
    for (let step = 0; step < 2; step++) {
      ids.cursor ??= ids.deadlines.entries();
      const next = ids.cursor.next();
      if (next.done) {
        ids.cursor = undefined;
        if (ids.deadlines.size === 0) this.tenants.delete(tenant);
        return;
      }
      const [requestId, deadline] = next.value;
      if (this.expired(deadline, now)) ids.deadlines.delete(requestId);
    }
  }
}

interface TenantIds {
  deadlines: Map<string, number>;
  cursor: Iterator<[string, number]> | undefined;
}
