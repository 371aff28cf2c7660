import { and, eq, gte, lt, type SQL, sql } from 'drizzle-orm';
import type { Database } from './database.ts';
import { ID_PREFIX, newId } from './ids.ts';
import { fetchPage, type PageRequest } from './resource-table.ts';
import { usageEvents } from './schema.ts';

export type UsageEventRow = typeof usageEvents.$inferSelect;
export type UsageEventInsert = Omit<typeof usageEvents.$inferInsert, 'id'>;

export interface UsageEventFilter {
  apiKeyId?: string | undefined;
  userId?: string | undefined;
  groupId?: string | undefined;
  accountId?: string | undefined;
  model?: string | undefined;
  requestId?: string | undefined;
  /** Inclusive. */
  since?: Date | undefined;
  /** Exclusive. */
  until?: Date | undefined;
}

export type UsageGroupBy = 'model' | 'api_key_id' | 'user_id' | 'group_id' | 'account_id' | 'day';

export interface UsageSummaryRow {
  key: string | null;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  costMicros: bigint;
  chargedMicros: bigint;
}

function conditions(filter: UsageEventFilter): (SQL | undefined)[] {
  return [
    filter.apiKeyId ? eq(usageEvents.apiKeyId, filter.apiKeyId) : undefined,
    filter.userId ? eq(usageEvents.userId, filter.userId) : undefined,
    filter.groupId ? eq(usageEvents.groupId, filter.groupId) : undefined,
    filter.accountId ? eq(usageEvents.accountId, filter.accountId) : undefined,
    filter.model ? eq(usageEvents.modelRequested, filter.model) : undefined,
    filter.requestId ? eq(usageEvents.requestId, filter.requestId) : undefined,
    filter.since ? gte(usageEvents.createdAt, filter.since) : undefined,
    filter.until ? lt(usageEvents.createdAt, filter.until) : undefined,
  ];
}

const GROUP_COLUMN: Record<UsageGroupBy, SQL> = {
  model: sql`${usageEvents.modelRequested}`,
  api_key_id: sql`${usageEvents.apiKeyId}`,
  user_id: sql`${usageEvents.userId}`,
  group_id: sql`${usageEvents.groupId}`,
  account_id: sql`${usageEvents.accountId}`,
  day: sql`to_char(${usageEvents.createdAt} at time zone 'UTC', 'YYYY-MM-DD')`,
};

export function createUsageEventRepository(db: Database) {
  return {
    /**
     * Inserts the events whose `request_id` is new and returns the ids of those: a redelivered event is
     * ignored by the unique constraint, so whoever charges for the returned rows charges exactly once.
     */
    async insertNew(events: readonly UsageEventInsert[]): Promise<{ requestId: string }[]> {
      if (events.length === 0) return [];
      // One multi-row statement; only the ids come back (the writer needs nothing else).
      return db
        .insert(usageEvents)
        .values(events.map((e) => ({ ...e, id: newId(ID_PREFIX.usageEvent) })))
        .onConflictDoNothing({ target: usageEvents.requestId })
        .returning({ requestId: usageEvents.requestId });
    },

    async getByRequestId(requestId: string): Promise<UsageEventRow | undefined> {
      const rows = await db.select().from(usageEvents).where(eq(usageEvents.requestId, requestId)).limit(1);
      return rows[0];
    },

    /** Newest first. */
    list(filter: UsageEventFilter, page: PageRequest) {
      return fetchPage<UsageEventRow>(db, usageEvents, conditions(filter), page, 'desc');
    },

    async summary(filter: UsageEventFilter, groupBy: UsageGroupBy): Promise<UsageSummaryRow[]> {
      const key = GROUP_COLUMN[groupBy];
      const rows = await db
        .select({
          key: sql<string | null>`${key}`,
          requests: sql<number>`count(*)::int`,
          promptTokens: sql<number>`coalesce(sum(${usageEvents.promptTokens}), 0)::bigint`,
          completionTokens: sql<number>`coalesce(sum(${usageEvents.completionTokens}), 0)::bigint`,
          cachedTokens: sql<number>`coalesce(sum(${usageEvents.cachedTokens}), 0)::bigint`,
          costMicros: sql<string>`coalesce(sum(${usageEvents.costMicros}), 0)::text`,
          chargedMicros: sql<string>`coalesce(sum(${usageEvents.chargedMicros}), 0)::text`,
        })
        .from(usageEvents)
        .where(and(...conditions(filter)))
        .groupBy(key)
        .orderBy(key);
      return rows.map((r) => ({
        key: r.key,
        requests: Number(r.requests),
        promptTokens: Number(r.promptTokens),
        completionTokens: Number(r.completionTokens),
        cachedTokens: Number(r.cachedTokens),
        costMicros: BigInt(r.costMicros),
        chargedMicros: BigInt(r.chargedMicros),
      }));
    },
  };
}
export type UsageEventRepository = ReturnType<typeof createUsageEventRepository>;
