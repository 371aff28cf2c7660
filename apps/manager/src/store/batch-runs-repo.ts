import { and, asc, desc, eq, gt, inArray, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import { batchImportItems, batchImportRuns } from '../db/schema.ts';

export type BatchRunRow = typeof batchImportRuns.$inferSelect;
export type NewBatchRun = typeof batchImportRuns.$inferInsert;
export type BatchItemRow = typeof batchImportItems.$inferSelect;
export type NewBatchItem = typeof batchImportItems.$inferInsert;
export type BatchRunStatus = BatchRunRow['status'];
export type BatchItemStatus = BatchItemRow['status'];

/** Batch-import runs and their items (manager.md §8). */
export class BatchRunRepository {
  constructor(private readonly db: Db) {}

  insert(run: NewBatchRun, items: readonly NewBatchItem[]): void {
    this.db.transaction((tx) => {
      tx.insert(batchImportRuns).values(run).run();
      for (let i = 0; i < items.length; i += 200) {
        tx.insert(batchImportItems)
          .values(items.slice(i, i + 200))
          .run();
      }
    });
  }

  get(id: string): BatchRunRow | undefined {
    return this.db.select().from(batchImportRuns).where(eq(batchImportRuns.id, id)).get();
  }

  update(id: string, patch: Partial<Omit<NewBatchRun, 'id'>>): void {
    this.db.update(batchImportRuns).set(patch).where(eq(batchImportRuns.id, id)).run();
  }

  /** Moves a run from one of `from` to `to`; false when it was in another status. */
  transition(
    id: string,
    from: readonly BatchRunStatus[],
    patch: Partial<Omit<NewBatchRun, 'id'>> & { status: BatchRunStatus },
  ): boolean {
    return (
      this.db
        .update(batchImportRuns)
        .set(patch)
        .where(and(eq(batchImportRuns.id, id), inArray(batchImportRuns.status, [...from])))
        .run().changes === 1
    );
  }

  withStatus(statuses: readonly BatchRunStatus[]): BatchRunRow[] {
    return this.db
      .select()
      .from(batchImportRuns)
      .where(inArray(batchImportRuns.status, [...statuses]))
      .all();
  }

  list(filter: { hostId?: string | undefined }, limit: number, cursor?: string): BatchRunRow[] {
    return this.db
      .select()
      .from(batchImportRuns)
      .where(
        and(
          cursor === undefined ? undefined : lt(batchImportRuns.id, cursor),
          filter.hostId === undefined ? undefined : eq(batchImportRuns.hostId, filter.hostId),
        ),
      )
      .orderBy(desc(batchImportRuns.id))
      .limit(limit)
      .all();
  }

  item(runId: string, index: number): BatchItemRow | undefined {
    return this.db
      .select()
      .from(batchImportItems)
      .where(and(eq(batchImportItems.runId, runId), eq(batchImportItems.idx, index)))
      .get();
  }

  /** Items in index order after `afterIndex`. */
  items(runId: string, limit: number, afterIndex = -1, status?: BatchItemStatus): BatchItemRow[] {
    return this.db
      .select()
      .from(batchImportItems)
      .where(
        and(
          eq(batchImportItems.runId, runId),
          gt(batchImportItems.idx, afterIndex),
          status === undefined ? undefined : eq(batchImportItems.status, status),
        ),
      )
      .orderBy(asc(batchImportItems.idx))
      .limit(limit)
      .all();
  }

  /** Takes a pending item for processing; false when someone else did (or it is no longer pending). */
  claim(runId: string, index: number, now: number): boolean {
    return (
      this.db
        .update(batchImportItems)
        .set({ status: 'running', updatedAt: now })
        .where(
          and(
            eq(batchImportItems.runId, runId),
            eq(batchImportItems.idx, index),
            eq(batchImportItems.status, 'pending'),
          ),
        )
        .run().changes === 1
    );
  }

  updateItem(runId: string, index: number, patch: Partial<Omit<NewBatchItem, 'runId' | 'idx'>>): void {
    this.db
      .update(batchImportItems)
      .set(patch)
      .where(and(eq(batchImportItems.runId, runId), eq(batchImportItems.idx, index)))
      .run();
  }

  /** Item counts by status. */
  counts(runId: string): Record<BatchItemStatus, number> {
    const rows = this.db
      .select({ status: batchImportItems.status, n: sql<number>`count(*)` })
      .from(batchImportItems)
      .where(eq(batchImportItems.runId, runId))
      .groupBy(batchImportItems.status)
      .all();
    const counts: Record<BatchItemStatus, number> = {
      pending: 0,
      running: 0,
      succeeded: 0,
      failed: 0,
      skipped: 0,
    };
    for (const row of rows) counts[row.status] = row.n;
    return counts;
  }

  /** Items a crash left `running`: back to pending, their remote write marked unknown (re-checked on resume). */
  resetRunningItems(runId: string, now: number): number {
    return this.db
      .update(batchImportItems)
      .set({ status: 'pending', remoteWrite: 'unknown', updatedAt: now })
      .where(and(eq(batchImportItems.runId, runId), eq(batchImportItems.status, 'running')))
      .run().changes;
  }

  /** Failed items whose write may have gone through: pending again, for a resume to re-check by label. */
  requeueUnknown(runId: string, now: number): number {
    return this.db
      .update(batchImportItems)
      .set({ status: 'pending', error: null, updatedAt: now })
      .where(
        and(
          eq(batchImportItems.runId, runId),
          eq(batchImportItems.status, 'failed'),
          eq(batchImportItems.remoteWrite, 'unknown'),
        ),
      )
      .run().changes;
  }

  skipPending(runId: string, reason: string, now: number): number {
    return this.db
      .update(batchImportItems)
      .set({ status: 'skipped', error: reason, updatedAt: now })
      .where(and(eq(batchImportItems.runId, runId), eq(batchImportItems.status, 'pending')))
      .run().changes;
  }

  pendingIndexes(runId: string): number[] {
    return this.db
      .select({ idx: batchImportItems.idx })
      .from(batchImportItems)
      .where(and(eq(batchImportItems.runId, runId), eq(batchImportItems.status, 'pending')))
      .orderBy(asc(batchImportItems.idx))
      .all()
      .map((r) => r.idx);
  }

  countRunsByStatus(): Record<string, number> {
    const rows = this.db
      .select({ status: batchImportRuns.status, n: sql<number>`count(*)` })
      .from(batchImportRuns)
      .groupBy(batchImportRuns.status)
      .all();
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  countActiveItemsLeft(): number {
    const row = this.db
      .select({ n: sql<number>`count(*)` })
      .from(batchImportItems)
      .innerJoin(batchImportRuns, eq(batchImportRuns.id, batchImportItems.runId))
      .where(
        and(
          inArray(batchImportRuns.status, ['queued', 'running']),
          inArray(batchImportItems.status, ['pending', 'running']),
        ),
      )
      .get();
    return row?.n ?? 0;
  }
}
