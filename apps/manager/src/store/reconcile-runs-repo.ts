import { and, desc, eq, isNull, lt, notInArray } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import type { ReconcileRunRow } from '../db/schema.ts';
import { reconcileRuns } from '../db/schema.ts';

export type NewReconcileRun = typeof reconcileRuns.$inferInsert;

/** Stored reconcile runs (docs/architecture.md#imports): what drifted, what was repaired. */
export class ReconcileRunRepository {
  constructor(private readonly db: Db) {}

  insert(row: NewReconcileRun): void {
    this.db.insert(reconcileRuns).values(row).run();
  }

  get(id: string): ReconcileRunRow | undefined {
    return this.db.select().from(reconcileRuns).where(eq(reconcileRuns.id, id)).get();
  }

  /** Newest first; `cursor` is the last id of the previous page. */
  list(hostId: string | undefined, limit: number, cursor?: string): ReconcileRunRow[] {
    return this.db
      .select()
      .from(reconcileRuns)
      .where(
        and(
          cursor === undefined ? undefined : lt(reconcileRuns.id, cursor),
          hostId === undefined ? undefined : eq(reconcileRuns.hostId, hostId),
        ),
      )
      .orderBy(desc(reconcileRuns.id))
      .limit(limit)
      .all();
  }

  /** The newest run of a host; with `providerId` null, the newest host-wide run. */
  latest(hostId: string, providerId?: string | null): ReconcileRunRow | undefined {
    return this.db
      .select()
      .from(reconcileRuns)
      .where(
        and(
          eq(reconcileRuns.hostId, hostId),
          providerId === undefined
            ? undefined
            : providerId === null
              ? isNull(reconcileRuns.providerId)
              : eq(reconcileRuns.providerId, providerId),
        ),
      )
      .orderBy(desc(reconcileRuns.id))
      .limit(1)
      .get();
  }

  /** Keeps the newest `keep` runs of `actor` on a host (scheduled runs would otherwise pile up). */
  prune(hostId: string, actor: string, keep: number): void {
    const kept = this.db
      .select({ id: reconcileRuns.id })
      .from(reconcileRuns)
      .where(and(eq(reconcileRuns.hostId, hostId), eq(reconcileRuns.actor, actor)))
      .orderBy(desc(reconcileRuns.id))
      .limit(keep)
      .all()
      .map((r) => r.id);
    this.db
      .delete(reconcileRuns)
      .where(
        and(
          eq(reconcileRuns.hostId, hostId),
          eq(reconcileRuns.actor, actor),
          notInArray(reconcileRuns.id, kept),
        ),
      )
      .run();
  }
}
