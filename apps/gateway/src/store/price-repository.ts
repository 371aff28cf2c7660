import { and, eq, isNull } from 'drizzle-orm';
import type { Database } from './database.ts';
import { type PageRequest, resourceCrud } from './resource-table.ts';
import { prices } from './schema.ts';

export type PriceRow = typeof prices.$inferSelect;
export type PriceInsert = typeof prices.$inferInsert;

export interface PriceFilter {
  model?: string | undefined;
  /** A channel id, or null for the global prices. */
  channelId?: string | null | undefined;
}

export function createPriceRepository(db: Database) {
  const crud = resourceCrud<PriceRow, PriceInsert>(db, prices);
  const where = (filter: PriceFilter) => [
    filter.model ? eq(prices.model, filter.model) : undefined,
    filter.channelId === null
      ? isNull(prices.channelId)
      : filter.channelId
        ? eq(prices.channelId, filter.channelId)
        : undefined,
  ];
  return {
    ...crud,
    list(filter: PriceFilter, page: PageRequest) {
      return crud.page(where(filter), page);
    },
    async listAll(filter: PriceFilter = {}): Promise<PriceRow[]> {
      return db
        .select()
        .from(prices)
        .where(and(...where(filter)))
        .orderBy(prices.id);
    },
  };
}
export type PriceRepository = ReturnType<typeof createPriceRepository>;
