import { eq } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import { importBatches } from '../db/schema.ts';

export type NewImportBatch = typeof importBatches.$inferInsert;
export type ImportBatchRow = typeof importBatches.$inferSelect;

/** Import batches: one per import, repair or batch run; later issues add the journal on top. */
export class ImportBatchRepository {
  constructor(private readonly db: Db) {}

  insert(row: NewImportBatch): void {
    this.db.insert(importBatches).values(row).run();
  }

  get(id: string): ImportBatchRow | undefined {
    return this.db.select().from(importBatches).where(eq(importBatches.id, id)).get();
  }
}
