import { eq } from 'drizzle-orm';
import type { Database } from './database.ts';
import { type PageRequest, resourceCrud } from './resource-table.ts';
import { channels } from './schema.ts';

export type ChannelRow = typeof channels.$inferSelect;
export type ChannelInsert = typeof channels.$inferInsert;

export interface ChannelFilter {
  status?: ChannelRow['status'] | undefined;
  name?: string | undefined;
}

export function createChannelRepository(db: Database) {
  const crud = resourceCrud<ChannelRow, ChannelInsert>(db, channels);
  return {
    ...crud,
    list(filter: ChannelFilter, page: PageRequest) {
      return crud.page(
        [
          filter.status ? eq(channels.status, filter.status) : undefined,
          filter.name ? eq(channels.name, filter.name) : undefined,
        ],
        page,
      );
    },
  };
}
export type ChannelRepository = ReturnType<typeof createChannelRepository>;
