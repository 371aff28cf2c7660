import { eq } from 'drizzle-orm';
import type { Database } from './database.ts';
import { type PageRequest, resourceCrud } from './resource-table.ts';
import { groups } from './schema.ts';

export type GroupRow = typeof groups.$inferSelect;
export type GroupInsert = typeof groups.$inferInsert;

export interface GroupFilter {
  platform?: GroupRow['platform'] | undefined;
  status?: GroupRow['status'] | undefined;
  billingMode?: GroupRow['billingMode'] | undefined;
  name?: string | undefined;
}

export function createGroupRepository(db: Database) {
  const crud = resourceCrud<GroupRow, GroupInsert>(db, groups);
  return {
    ...crud,
    list(filter: GroupFilter, page: PageRequest) {
      return crud.page(
        [
          filter.platform ? eq(groups.platform, filter.platform) : undefined,
          filter.status ? eq(groups.status, filter.status) : undefined,
          filter.billingMode ? eq(groups.billingMode, filter.billingMode) : undefined,
          filter.name ? eq(groups.name, filter.name) : undefined,
        ],
        page,
      );
    },
    async getByName(name: string): Promise<GroupRow | undefined> {
      const rows = await db.select().from(groups).where(eq(groups.name, name)).limit(1);
      return rows[0];
    },
  };
}
export type GroupRepository = ReturnType<typeof createGroupRepository>;
