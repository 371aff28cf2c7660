import { asc, eq, max } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import type { JournalEntryRow } from '../db/schema.ts';
import { journalEntries } from '../db/schema.ts';

export type NewJournalEntry = typeof journalEntries.$inferInsert;
export type JournalEntryPatch = Partial<
  Pick<NewJournalEntry, 'state' | 'remoteId' | 'httpStatus' | 'error' | 'updatedAt'>
>;

/** The write-ahead journal: one entry per remote write, in batch order (`seq`). */
export class JournalRepository {
  constructor(private readonly db: Db) {}

  insert(row: NewJournalEntry): void {
    this.db.insert(journalEntries).values(row).run();
  }

  get(id: string): JournalEntryRow | undefined {
    return this.db.select().from(journalEntries).where(eq(journalEntries.id, id)).get();
  }

  update(id: string, patch: JournalEntryPatch): void {
    this.db.update(journalEntries).set(patch).where(eq(journalEntries.id, id)).run();
  }

  /** The next sequence number of a batch (1 for the first entry). Call inside the inserting transaction. */
  nextSeq(batchId: string): number {
    const row = this.db
      .select({ seq: max(journalEntries.seq) })
      .from(journalEntries)
      .where(eq(journalEntries.batchId, batchId))
      .get();
    return (row?.seq ?? 0) + 1;
  }

  listByBatch(batchId: string): JournalEntryRow[] {
    return this.db
      .select()
      .from(journalEntries)
      .where(eq(journalEntries.batchId, batchId))
      .orderBy(asc(journalEntries.seq))
      .all();
  }
}
