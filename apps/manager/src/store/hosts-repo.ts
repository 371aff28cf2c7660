import { and, count, desc, eq, lt, ne, or } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import type { HostRow, HostStatus } from '../db/schema.ts';
import { hosts } from '../db/schema.ts';

export type NewHost = typeof hosts.$inferInsert;
export type HostPatch = Partial<Omit<NewHost, 'id' | 'createdAt'>> & { updatedAt: number };

/** The hosts table: one row per registered gateway. */
export class HostRepository {
  constructor(private readonly db: Db) {}

  insert(row: NewHost): HostRow {
    return this.db.insert(hosts).values(row).returning().get();
  }

  get(id: string): HostRow | undefined {
    return this.db.select().from(hosts).where(eq(hosts.id, id)).get();
  }

  findByName(name: string): HostRow | undefined {
    return this.db.select().from(hosts).where(eq(hosts.name, name)).get();
  }

  findByBaseUrl(baseUrl: string): HostRow | undefined {
    return this.db.select().from(hosts).where(eq(hosts.baseUrl, baseUrl)).get();
  }

  /** Newest first; `cursor` is the last id of the previous page. */
  list(limit: number, cursor?: string): HostRow[] {
    return this.db
      .select()
      .from(hosts)
      .where(cursor === undefined ? undefined : lt(hosts.id, cursor))
      .orderBy(desc(hosts.id))
      .limit(limit)
      .all();
  }

  all(): HostRow[] {
    return this.db.select().from(hosts).orderBy(hosts.id).all();
  }

  update(id: string, patch: HostPatch): HostRow | undefined {
    return this.db.update(hosts).set(patch).where(eq(hosts.id, id)).returning().get();
  }

  delete(id: string): boolean {
    return this.db.delete(hosts).where(eq(hosts.id, id)).run().changes > 0;
  }

  countByStatus(): Record<HostStatus, number> {
    const counts: Record<HostStatus, number> = {
      active: 0,
      degraded: 0,
      unreachable: 0,
      unauthorized: 0,
      unknown: 0,
    };
    for (const row of this.db
      .select({ status: hosts.status, n: count() })
      .from(hosts)
      .groupBy(hosts.status)
      .all()) {
      counts[row.status] = row.n;
    }
    return counts;
  }

  /** Name or base URL already taken by another host. */
  conflicting(name: string, baseUrl: string, exceptId?: string): HostRow | undefined {
    const clash = or(eq(hosts.name, name), eq(hosts.baseUrl, baseUrl));
    return this.db
      .select()
      .from(hosts)
      .where(exceptId === undefined ? clash : and(clash, ne(hosts.id, exceptId)))
      .get();
  }
}
