import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.ts';
import { ManagerError } from '../errors.ts';
import type { Store } from '../store/store.ts';

export type HostLeaseOptions = {
  /** How long a lease lives without renewal: a crashed holder blocks the host at most this long. */
  ttlMs: number;
  /** How often a running operation extends its lease. */
  renewEveryMs: number;
};

const DEFAULT_HOST_LEASE: HostLeaseOptions = { ttlMs: 120_000, renewEveryMs: 30_000 };

/**
 * One mutating operation per host at a time (manager.md §6): a lease row in SQLite with owner and expiry,
 * taken in one atomic statement. A second operation gets 409 HOST_BUSY naming what holds the host.
 * The lease is renewed while the operation runs and released when it ends, however it ends.
 */
export class HostLeases {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly options: HostLeaseOptions = DEFAULT_HOST_LEASE,
  ) {}

  /**
   * Drops leases whose owner process no longer runs (a manager killed mid-operation), so a restarted
   * manager does not wait out the lease's TTL. Owners are `<pid>:<random>`; the SQLite file is local, so
   * every owner is a process of this machine.
   */
  releaseOrphaned(): number {
    let released = 0;
    for (const { hostId, owner } of this.store.leases.owners()) {
      const pid = Number.parseInt(owner.split(':')[0] ?? '', 10);
      if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || processRuns(pid)) continue;
      this.store.leases.release(hostId, owner);
      released++;
    }
    return released;
  }

  async withHostLease<T>(hostId: string, operation: string, fn: () => Promise<T>): Promise<T> {
    const owner = `${process.pid}:${randomBytes(8).toString('hex')}`;
    if (!this.store.leases.tryAcquire(hostId, owner, operation, this.clock(), this.options.ttlMs)) {
      const held = this.store.leases.get(hostId);
      throw new ManagerError(
        'HOST_BUSY',
        `host ${hostId} is busy${held ? ` with ${held.operation}` : ''}; retry when it finishes`,
        held ? { operation: held.operation, expires_at: new Date(held.expiresAt).toISOString() } : undefined,
      );
    }
    const renewal = setInterval(() => {
      this.store.leases.renew(hostId, owner, this.clock() + this.options.ttlMs);
    }, this.options.renewEveryMs);
    renewal.unref();
    try {
      return await fn();
    } finally {
      clearInterval(renewal);
      this.store.leases.release(hostId, owner);
    }
  }
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
