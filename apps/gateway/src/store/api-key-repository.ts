import { eq, sql } from 'drizzle-orm';
import type { Database } from './database.ts';
import { type PageRequest, resourceCrud } from './resource-table.ts';
import { apiKeys } from './schema.ts';

export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type ApiKeyInsert = typeof apiKeys.$inferInsert;

export interface ApiKeyFilter {
  userId?: string | undefined;
  groupId?: string | undefined;
  status?: ApiKeyRow['status'] | undefined;
  keyPrefix?: string | undefined;
}

export function createApiKeyRepository(db: Database) {
  const crud = resourceCrud<ApiKeyRow, ApiKeyInsert>(db, apiKeys);
  return {
    ...crud,
    list(filter: ApiKeyFilter, page: PageRequest) {
      return crud.page(
        [
          filter.userId ? eq(apiKeys.userId, filter.userId) : undefined,
          filter.groupId ? eq(apiKeys.groupId, filter.groupId) : undefined,
          filter.status ? eq(apiKeys.status, filter.status) : undefined,
          filter.keyPrefix ? eq(apiKeys.keyPrefix, filter.keyPrefix) : undefined,
        ],
        page,
      );
    },
    /** The relay's lookup: a presented key is hashed and found by its hash (unique). */
    async getByHash(keyHash: string): Promise<ApiKeyRow | undefined> {
      const rows = await db.select().from(apiKeys).where(eq(apiKeys.keyHash, keyHash)).limit(1);
      return rows[0];
    },
    async countByGroup(groupId: string): Promise<number> {
      const rows = await db
        .select({ n: sql<number>`count(*)::int` })
        .from(apiKeys)
        .where(eq(apiKeys.groupId, groupId));
      return rows[0]?.n ?? 0;
    },
    async countByUser(userId: string): Promise<number> {
      const rows = await db
        .select({ n: sql<number>`count(*)::int` })
        .from(apiKeys)
        .where(eq(apiKeys.userId, userId));
      return rows[0]?.n ?? 0;
    },
    async addQuotaUsed(id: string, micros: bigint): Promise<void> {
      await db
        .update(apiKeys)
        .set({ quotaUsedMicros: sql`${apiKeys.quotaUsedMicros} + ${micros}` })
        .where(eq(apiKeys.id, id));
    },
    async touchLastUsed(id: string, at: Date): Promise<void> {
      await db.update(apiKeys).set({ lastUsedAt: at }).where(eq(apiKeys.id, id));
    },
  };
}
export type ApiKeyRepository = ReturnType<typeof createApiKeyRepository>;
