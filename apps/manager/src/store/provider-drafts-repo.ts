import { and, desc, eq, lt } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import { providerDrafts } from '../db/schema.ts';

export type ProviderDraftRow = typeof providerDrafts.$inferSelect;
export type NewProviderDraft = typeof providerDrafts.$inferInsert;

export type ProviderDraftFilter = {
  packId?: string | undefined;
  providerId?: string | undefined;
  status?: ProviderDraftRow['status'] | undefined;
};

/** Drafts of provider manifests (manager.md §7); `revision` guards concurrent edits. */
export class ProviderDraftRepository {
  constructor(private readonly db: Db) {}

  insert(row: NewProviderDraft): void {
    this.db.insert(providerDrafts).values(row).run();
  }

  get(id: string): ProviderDraftRow | undefined {
    return this.db.select().from(providerDrafts).where(eq(providerDrafts.id, id)).get();
  }

  /**
   * Saves a new manifest only when the stored revision is still `revision`; returns false when someone else
   * saved in between (the compare and the write are one statement, so two writers cannot both win).
   */
  saveManifest(id: string, revision: number, manifest: unknown, now: number): boolean {
    const result = this.db
      .update(providerDrafts)
      .set({ manifest, revision: revision + 1, status: 'draft', updatedAt: now })
      .where(and(eq(providerDrafts.id, id), eq(providerDrafts.revision, revision)))
      .run();
    return result.changes === 1;
  }

  markPublished(id: string, revision: number, version: string, commit: string, now: number): boolean {
    const result = this.db
      .update(providerDrafts)
      .set({ status: 'published', publishedVersion: version, publishedCommit: commit, updatedAt: now })
      .where(and(eq(providerDrafts.id, id), eq(providerDrafts.revision, revision)))
      .run();
    return result.changes === 1;
  }

  /** Puts back the publish fields of `before` (a publish that failed after marking). */
  unmarkPublished(id: string, before: ProviderDraftRow): void {
    this.db
      .update(providerDrafts)
      .set({
        status: before.status,
        publishedVersion: before.publishedVersion,
        publishedCommit: before.publishedCommit,
        updatedAt: before.updatedAt,
      })
      .where(eq(providerDrafts.id, id))
      .run();
  }

  delete(id: string): boolean {
    return this.db.delete(providerDrafts).where(eq(providerDrafts.id, id)).run().changes === 1;
  }

  /** Newest first; `cursor` is the last id of the previous page. */
  list(filter: ProviderDraftFilter, limit: number, cursor?: string): ProviderDraftRow[] {
    return this.db
      .select()
      .from(providerDrafts)
      .where(
        and(
          cursor === undefined ? undefined : lt(providerDrafts.id, cursor),
          filter.packId === undefined ? undefined : eq(providerDrafts.packId, filter.packId),
          filter.providerId === undefined ? undefined : eq(providerDrafts.providerId, filter.providerId),
          filter.status === undefined ? undefined : eq(providerDrafts.status, filter.status),
        ),
      )
      .orderBy(desc(providerDrafts.id))
      .limit(limit)
      .all();
  }
}
