import { and, eq } from 'drizzle-orm';
import type { Database } from './database.ts';
import { type PageRequest, resourceCrud } from './resource-table.ts';
import { channelGroups } from './schema.ts';

export type ChannelGroupRow = typeof channelGroups.$inferSelect;
export type ChannelGroupInsert = typeof channelGroups.$inferInsert;

export interface ChannelGroupFilter {
  channelId?: string | undefined;
  groupId?: string | undefined;
}

export function createChannelGroupRepository(db: Database) {
  const crud = resourceCrud<ChannelGroupRow, ChannelGroupInsert>(db, channelGroups);
  const where = (filter: ChannelGroupFilter) => [
    filter.channelId ? eq(channelGroups.channelId, filter.channelId) : undefined,
    filter.groupId ? eq(channelGroups.groupId, filter.groupId) : undefined,
  ];
  return {
    ...crud,
    list(filter: ChannelGroupFilter, page: PageRequest) {
      return crud.page(where(filter), page);
    },
    async listAll(filter: ChannelGroupFilter): Promise<ChannelGroupRow[]> {
      return db
        .select()
        .from(channelGroups)
        .where(and(...where(filter)))
        .orderBy(channelGroups.id);
    },
  };
}
export type ChannelGroupRepository = ReturnType<typeof createChannelGroupRepository>;
