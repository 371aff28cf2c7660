import { eq, inArray, sql } from 'drizzle-orm';
import type { Database } from './database.ts';
import { type PageRequest, resourceCrud } from './resource-table.ts';
import { accountGroups, accounts } from './schema.ts';

export type AccountRow = typeof accounts.$inferSelect;
export type AccountInsert = typeof accounts.$inferInsert;

export interface AccountFilter {
  platform?: AccountRow['platform'] | undefined;
  status?: AccountRow['status'] | undefined;
  /** Accounts bound to this group. */
  groupId?: string | undefined;
  schedulable?: boolean | undefined;
  name?: string | undefined;
}

export function createAccountRepository(db: Database) {
  const crud = resourceCrud<AccountRow, AccountInsert>(db, accounts);
  return {
    ...crud,
    list(filter: AccountFilter, page: PageRequest) {
      return crud.page(
        [
          filter.platform ? eq(accounts.platform, filter.platform) : undefined,
          filter.status ? eq(accounts.status, filter.status) : undefined,
          filter.schedulable === undefined ? undefined : eq(accounts.schedulable, filter.schedulable),
          filter.name ? eq(accounts.name, filter.name) : undefined,
          filter.groupId
            ? inArray(
                accounts.id,
                db
                  .select({ id: accountGroups.accountId })
                  .from(accountGroups)
                  .where(eq(accountGroups.groupId, filter.groupId)),
              )
            : undefined,
        ],
        page,
      );
    },

    /**
     * Runtime state written by the relay (cooldowns, errors, last use). These are not admin edits:
     * they do not bump `version`, so an operator's If-Match is not invalidated by traffic.
     */
    async setCooldown(id: string, until: Date, reason: string): Promise<void> {
      await db
        .update(accounts)
        .set({ cooldownUntil: until, cooldownReason: reason })
        .where(eq(accounts.id, id));
    },
    async markError(id: string, lastError: string): Promise<void> {
      await db
        .update(accounts)
        .set({ status: 'error', lastError, version: sql`${accounts.version} + 1`, updatedAt: sql`now()` })
        .where(eq(accounts.id, id));
    },
    async touchLastUsed(id: string, at: Date): Promise<void> {
      await db.update(accounts).set({ lastUsedAt: at }).where(eq(accounts.id, id));
    },
  };
}
export type AccountRepository = ReturnType<typeof createAccountRepository>;
