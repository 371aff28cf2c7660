import { and, asc, count, desc, eq, inArray, lt } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import type { ManagedResourceRow, ManagedResourceStatus } from '../db/schema.ts';
import { managedResources, RECORDED_RESOURCE_STATUSES } from '../db/schema.ts';

export type NewManagedResource = typeof managedResources.$inferInsert;
export type ManagedResourcePatch = Partial<
  Pick<NewManagedResource, 'status' | 'remoteId' | 'ownedFields' | 'secretFingerprint' | 'secretCiphertext'>
> & { updatedAt: number };

export type ManagedResourceFilter = {
  hostId?: string | undefined;
  providerId?: string | undefined;
  batchId?: string | undefined;
  statuses?: ManagedResourceStatus[] | undefined;
};

/** Statuses of a resource the manager confirmed on the host (created by it, or adopted). */
export const CONFIRMED_RESOURCE_STATUSES: ManagedResourceStatus[] = ['created', 'adopted'];
/** Statuses of a write whose outcome is not known: look the resource up by its labels before anything else. */
export const UNRESOLVED_RESOURCE_STATUSES: ManagedResourceStatus[] = ['pending', 'unknown'];

/** Resources the manager created (or adopted) on a host, as recorded by the import journal. */
export class ManagedResourceRepository {
  constructor(private readonly db: Db) {}

  insert(row: NewManagedResource): void {
    this.db.insert(managedResources).values(row).run();
  }

  get(id: string): ManagedResourceRow | undefined {
    return this.db.select().from(managedResources).where(eq(managedResources.id, id)).get();
  }

  update(id: string, patch: ManagedResourcePatch): void {
    this.db.update(managedResources).set(patch).where(eq(managedResources.id, id)).run();
  }

  /** Newest first; `cursor` is the last id of the previous page. */
  list(filter: ManagedResourceFilter, limit: number, cursor?: string): ManagedResourceRow[] {
    return this.db
      .select()
      .from(managedResources)
      .where(
        and(
          cursor === undefined ? undefined : lt(managedResources.id, cursor),
          filter.hostId === undefined ? undefined : eq(managedResources.hostId, filter.hostId),
          filter.providerId === undefined ? undefined : eq(managedResources.providerId, filter.providerId),
          filter.batchId === undefined ? undefined : eq(managedResources.batchId, filter.batchId),
          filter.statuses === undefined ? undefined : inArray(managedResources.status, filter.statuses),
        ),
      )
      .orderBy(desc(managedResources.id))
      .limit(limit)
      .all();
  }

  /** Every resource of a batch in the order it was journaled. */
  listByBatch(batchId: string): ManagedResourceRow[] {
    return this.db
      .select()
      .from(managedResources)
      .where(eq(managedResources.batchId, batchId))
      .orderBy(asc(managedResources.id))
      .all();
  }

  /** Recorded resources (pending, created, adopted, unknown) of a host, optionally of one provider. */
  listRecorded(hostId: string, providerId?: string): ManagedResourceRow[] {
    return this.db
      .select()
      .from(managedResources)
      .where(
        and(
          eq(managedResources.hostId, hostId),
          providerId === undefined ? undefined : eq(managedResources.providerId, providerId),
          inArray(managedResources.status, RECORDED_RESOURCE_STATUSES),
        ),
      )
      .orderBy(asc(managedResources.id))
      .all();
  }

  /** Records of one natural key on a host in the given statuses, newest first. */
  findByNaturalKey(
    hostId: string,
    naturalKey: string,
    statuses: ManagedResourceStatus[],
  ): ManagedResourceRow[] {
    return this.db
      .select()
      .from(managedResources)
      .where(
        and(
          eq(managedResources.hostId, hostId),
          eq(managedResources.naturalKey, naturalKey),
          inArray(managedResources.status, statuses),
        ),
      )
      .orderBy(desc(managedResources.id))
      .all();
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

  /** Host ids that have recorded resources (the scheduled reconcile visits only these). */
  hostsWithRecords(): string[] {
    return this.db
      .selectDistinct({ hostId: managedResources.hostId })
      .from(managedResources)
      .where(inArray(managedResources.status, RECORDED_RESOURCE_STATUSES))
      .all()
      .map((row) => row.hostId);
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
