import type BetterSqlite3 from 'better-sqlite3';

export type HostLease = {
  hostId: string;
  owner: string;
  operation: string;
  acquiredAt: number;
  expiresAt: number;
};

/**
 * Per-host lease rows. Acquisition is one atomic upsert: it inserts a lease, or takes over an expired one,
 * and returns nothing when a live lease held by someone else is in the way. Written as raw statements
 * (prepared once) because the conditional upsert with RETURNING is the whole point.
 */
export class HostLeaseRepository {
  readonly #acquire: BetterSqlite3.Statement;
  readonly #renew: BetterSqlite3.Statement;
  readonly #release: BetterSqlite3.Statement;
  readonly #get: BetterSqlite3.Statement;
  readonly #owners: BetterSqlite3.Statement;

  constructor(sqlite: BetterSqlite3.Database) {
    this.#acquire = sqlite.prepare(`
      INSERT INTO host_leases (host_id, owner, operation, acquired_at, expires_at)
      VALUES (@hostId, @owner, @operation, @now, @expiresAt)
      ON CONFLICT (host_id) DO UPDATE SET
        owner = excluded.owner, operation = excluded.operation,
        acquired_at = excluded.acquired_at, expires_at = excluded.expires_at
      WHERE host_leases.expires_at <= excluded.acquired_at
      RETURNING owner`);
    this.#renew = sqlite.prepare('UPDATE host_leases SET expires_at = ? WHERE host_id = ? AND owner = ?');
    this.#release = sqlite.prepare('DELETE FROM host_leases WHERE host_id = ? AND owner = ?');
    this.#get = sqlite.prepare(
      'SELECT host_id AS hostId, owner, operation, acquired_at AS acquiredAt, expires_at AS expiresAt FROM host_leases WHERE host_id = ?',
    );
    this.#owners = sqlite.prepare('SELECT host_id AS hostId, owner FROM host_leases');
  }

  /** Every lease's host and owner. */
  owners(): { hostId: string; owner: string }[] {
    return this.#owners.all() as { hostId: string; owner: string }[];
  }

  /** True when `owner` now holds the lease. */
  tryAcquire(hostId: string, owner: string, operation: string, now: number, ttlMs: number): boolean {
    const row = this.#acquire.get({ hostId, owner, operation, now, expiresAt: now + ttlMs }) as
      | { owner: string }
      | undefined;
    return row?.owner === owner;
  }

  /** Extends a lease still held by `owner`; false when it was lost (expired and taken over). */
  renew(hostId: string, owner: string, expiresAt: number): boolean {
    return this.#renew.run(expiresAt, hostId, owner).changes > 0;
  }

  release(hostId: string, owner: string): void {
    this.#release.run(hostId, owner);
  }

  get(hostId: string): HostLease | undefined {
    return this.#get.get(hostId) as HostLease | undefined;
  }
}
