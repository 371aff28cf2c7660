import { and, desc, eq, lt } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import type { ImportBatchKind, ImportBatchRow } from '../db/schema.ts';
import { importBatches } from '../db/schema.ts';

export type NewImportBatch = typeof importBatches.$inferInsert;
export type { ImportBatchRow };
export type ImportBatchPatch = Partial<Omit<NewImportBatch, 'id' | 'hostId' | 'createdAt'>>;

export type ImportBatchFilter = {
  hostId?: string | undefined;
  providerId?: string | undefined;
  kind?: ImportBatchKind | undefined;
};

/** Import batches: one per import, repair, smoke-key or batch run; the journal and resources hang off them. */
export class ImportBatchRepository {
  constructor(private readonly db: Db) {}

  insert(row: NewImportBatch): void {
    this.db.insert(importBatches).values(row).run();
  }

  get(id: string): ImportBatchRow | undefined {
    return this.db.select().from(importBatches).where(eq(importBatches.id, id)).get();
  }

  update(id: string, patch: ImportBatchPatch): void {
    this.db.update(importBatches).set(patch).where(eq(importBatches.id, id)).run();
  }

  /** Newest first (ids sort by time); `cursor` is the last id of the previous page. */
  list(filter: ImportBatchFilter, limit: number, cursor?: string): ImportBatchRow[] {
    return this.db
      .select()
      .from(importBatches)
      .where(
        and(
          cursor === undefined ? undefined : lt(importBatches.id, cursor),
          filter.hostId === undefined ? undefined : eq(importBatches.hostId, filter.hostId),
          filter.providerId === undefined ? undefined : eq(importBatches.providerId, filter.providerId),
          filter.kind === undefined ? undefined : eq(importBatches.kind, filter.kind),
        ),
      )
      .orderBy(desc(importBatches.id))
      .limit(limit)
      .all();
  }
}
