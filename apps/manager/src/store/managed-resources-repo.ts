import { and, count, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import { managedResources, RECORDED_RESOURCE_STATUSES } from '../db/schema.ts';

export type NewManagedResource = typeof managedResources.$inferInsert;

/** Resources the manager created (or adopted) on a host, as recorded by the import journal. */
export class ManagedResourceRepository {
  constructor(private readonly db: Db) {}

  insert(row: NewManagedResource): void {
    this.db.insert(managedResources).values(row).run();
  }

  /** Resources that may still exist on the host because of us (pending, created, adopted or unknown). */
  countRecorded(hostId: string): number {
    const row = this.db
      .select({ n: count() })
      .from(managedResources)
      .where(
        and(
          eq(managedResources.hostId, hostId),
          inArray(managedResources.status, RECORDED_RESOURCE_STATUSES),
        ),
      )
      .get();
    return row?.n ?? 0;
  }

  /** `{provider_id: {type: count}}` of recorded resources; resources of no provider are under `_host`. */
  countsByProvider(hostId: string): Record<string, Record<string, number>> {
    const rows = this.db
      .select({ providerId: managedResources.providerId, type: managedResources.type, n: count() })
      .from(managedResources)
      .where(
        and(
          eq(managedResources.hostId, hostId),
          inArray(managedResources.status, RECORDED_RESOURCE_STATUSES),
        ),
      )
      .groupBy(managedResources.providerId, managedResources.type)
      .all();
    const counts: Record<string, Record<string, number>> = {};
    for (const row of rows) {
      const provider = row.providerId ?? '_host';
      counts[provider] = { ...counts[provider], [row.type]: row.n };
    }
    return counts;
  }
}
