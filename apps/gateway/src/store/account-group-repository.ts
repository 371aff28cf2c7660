import { and, eq } from 'drizzle-orm';
import type { Database } from './database.ts';
import { type PageRequest, resourceCrud } from './resource-table.ts';
import { accountGroups } from './schema.ts';

export type AccountGroupRow = typeof accountGroups.$inferSelect;
export type AccountGroupInsert = typeof accountGroups.$inferInsert;

export interface AccountGroupFilter {
  accountId?: string | undefined;
  groupId?: string | undefined;
}

export function createAccountGroupRepository(db: Database) {
  const crud = resourceCrud<AccountGroupRow, AccountGroupInsert>(db, accountGroups);
  return {
    ...crud,
    list(filter: AccountGroupFilter, page: PageRequest) {
      return crud.page(
        [
          filter.accountId ? eq(accountGroups.accountId, filter.accountId) : undefined,
          filter.groupId ? eq(accountGroups.groupId, filter.groupId) : undefined,
        ],
        page,
      );
    },
    /** Every binding matching the filter (cascade deletes, snapshots); bounded by the number of accounts. */
    async listAll(filter: AccountGroupFilter): Promise<AccountGroupRow[]> {
      return db
        .select()
        .from(accountGroups)
        .where(
          and(
            filter.accountId ? eq(accountGroups.accountId, filter.accountId) : undefined,
            filter.groupId ? eq(accountGroups.groupId, filter.groupId) : undefined,
          ),
        )
        .orderBy(accountGroups.id);
    },
  };
}
export type AccountGroupRepository = ReturnType<typeof createAccountGroupRepository>;
