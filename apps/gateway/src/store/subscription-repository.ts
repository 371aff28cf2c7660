import { and, eq, gt, lte, sql } from 'drizzle-orm';
import type { Database } from './database.ts';
import { type PageRequest, resourceCrud } from './resource-table.ts';
import { subscriptions } from './schema.ts';

export type SubscriptionRow = typeof subscriptions.$inferSelect;
export type SubscriptionInsert = typeof subscriptions.$inferInsert;

export interface SubscriptionFilter {
  userId?: string | undefined;
  groupId?: string | undefined;
}

/** `<used>` restarts at the charge when its window (`<start>` + length) has passed. */
function rollingAdd(
  used: typeof subscriptions.dailyUsedMicros,
  start: typeof subscriptions.dailyWindowStart,
  length: string,
  micros: bigint,
) {
  const expired = sql`(${start} is null or ${start} + ${length}::interval <= now())`;
  return {
    used: sql`case when ${expired} then ${micros}::bigint else ${used} + ${micros}::bigint end`,
    start: sql`case when ${expired} then now() else ${start} end`,
  };
}

export function createSubscriptionRepository(db: Database) {
  const crud = resourceCrud<SubscriptionRow, SubscriptionInsert>(db, subscriptions);
  const where = (filter: SubscriptionFilter) => [
    filter.userId ? eq(subscriptions.userId, filter.userId) : undefined,
    filter.groupId ? eq(subscriptions.groupId, filter.groupId) : undefined,
  ];
  return {
    ...crud,
    list(filter: SubscriptionFilter, page: PageRequest) {
      return crud.page(where(filter), page);
    },
    async listAll(filter: SubscriptionFilter = {}): Promise<SubscriptionRow[]> {
      return db
        .select()
        .from(subscriptions)
        .where(and(...where(filter)))
        .orderBy(subscriptions.id);
    },
    /** The subscription of (user, group) covering `at`, if any. */
    async findActive(userId: string, groupId: string, at: Date): Promise<SubscriptionRow | undefined> {
      const rows = await db
        .select()
        .from(subscriptions)
        .where(
          and(
            eq(subscriptions.userId, userId),
            eq(subscriptions.groupId, groupId),
            eq(subscriptions.status, 'active'),
            lte(subscriptions.startsAt, at),
            gt(subscriptions.expiresAt, at),
          ),
        )
        .orderBy(subscriptions.expiresAt)
        .limit(1);
      return rows[0];
    },
    /** Adds a charge to the daily/weekly/monthly windows (window lengths as in @relay/bindings). */
    async addUsage(id: string, micros: bigint): Promise<void> {
      const daily = rollingAdd(
        subscriptions.dailyUsedMicros,
        subscriptions.dailyWindowStart,
        '1 day',
        micros,
      );
      const weekly = rollingAdd(
        subscriptions.weeklyUsedMicros,
        subscriptions.weeklyWindowStart,
        '7 days',
        micros,
      );
      const monthly = rollingAdd(
        subscriptions.monthlyUsedMicros,
        subscriptions.monthlyWindowStart,
        '30 days',
        micros,
      );
      await db
        .update(subscriptions)
        .set({
          dailyUsedMicros: daily.used,
          dailyWindowStart: daily.start,
          weeklyUsedMicros: weekly.used,
          weeklyWindowStart: weekly.start,
          monthlyUsedMicros: monthly.used,
          monthlyWindowStart: monthly.start,
        })
        .where(eq(subscriptions.id, id));
    },
  };
}
export type SubscriptionRepository = ReturnType<typeof createSubscriptionRepository>;
