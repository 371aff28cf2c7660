import { and, asc, desc, eq, gt, inArray, lt, type SQL, sql } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Database } from './database.ts';

/** `?label=key=value`: the resource's labels must contain the pair (jsonb containment, GIN indexed). */
export interface LabelSelector {
  key: string;
  value: string;
}

export interface PageRequest {
  /** Page size; the repository fetches one more row to know whether a next page exists. */
  limit: number;
  /** The last id of the previous page. */
  cursor?: string | undefined;
  labels?: readonly LabelSelector[] | undefined;
}

export interface Page<T> {
  items: T[];
  /** null on the last page. */
  nextCursor: string | null;
}

export type UpdateOutcome<Row> =
  | { status: 'updated'; row: Row }
  | { status: 'not_found' }
  | { status: 'version_mismatch'; current: Row };

type PagedTable = PgTable & { id: AnyPgColumn; labels?: AnyPgColumn };
type ResourceTable = PgTable & {
  id: AnyPgColumn;
  labels: AnyPgColumn;
  version: AnyPgColumn;
  updatedAt: AnyPgColumn;
};

export function labelConditions(column: AnyPgColumn, selectors: readonly LabelSelector[] = []): SQL[] {
  return selectors.map((s) => sql`${column} @> ${JSON.stringify({ [s.key]: s.value })}::jsonb`);
}

/**
 * Keyset pagination by id. Ids are time-ordered, so ascending pages list resources in creation
 * order and descending pages (events) newest first; a concurrent insert never shifts a page.
 */
export async function fetchPage<Row extends { id: string }>(
  db: Database,
  table: PagedTable,
  where: readonly (SQL | undefined)[],
  page: PageRequest,
  order: 'asc' | 'desc' = 'asc',
): Promise<Page<Row>> {
  const conditions = where.filter((c): c is SQL => c !== undefined);
  if (table.labels) conditions.push(...labelConditions(table.labels, page.labels));
  if (page.cursor !== undefined) {
    conditions.push(order === 'asc' ? gt(table.id, page.cursor) : lt(table.id, page.cursor));
  }
  const rows = (await db
    .select()
    .from(table)
    .where(and(...conditions))
    .orderBy(order === 'asc' ? asc(table.id) : desc(table.id))
    .limit(page.limit + 1)) as unknown as Row[];
  const items = rows.slice(0, page.limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > page.limit && last ? last.id : null };
}

/**
 * The operations every admin resource table shares. Each aggregate's repository wraps this with its
 * own filters and verbs; the casts stay here, where drizzle cannot follow a generic table.
 */
export function resourceCrud<Row extends { id: string; version: number }, Insert>(
  db: Database,
  table: ResourceTable,
) {
  return {
    async get(id: string): Promise<Row | undefined> {
      const rows = await db.select().from(table).where(eq(table.id, id)).limit(1);
      return rows[0] as Row | undefined;
    },

    /** Reads and row-locks (inside a transaction) so a version check and the write see the same row. */
    async getForUpdate(id: string): Promise<Row | undefined> {
      const rows = await db.select().from(table).where(eq(table.id, id)).limit(1).for('update');
      return rows[0] as Row | undefined;
    },

    async getMany(ids: readonly string[]): Promise<Row[]> {
      if (ids.length === 0) return [];
      const rows = await db
        .select()
        .from(table)
        .where(inArray(table.id, [...ids]));
      return rows as unknown as Row[];
    },

    async insert(values: Insert): Promise<Row> {
      const rows = (await db
        .insert(table)
        .values(values as never)
        .returning()) as unknown as Row[];
      const row = rows[0];
      if (!row) throw new Error('insert returned no row');
      return row;
    },

    /**
     * Applies `patch`, bumps `version` and `updated_at`. With `expectedVersion` the write happens only
     * when the stored version still matches (optimistic concurrency, `If-Match`).
     */
    async update(id: string, patch: Partial<Insert>, expectedVersion?: number): Promise<UpdateOutcome<Row>> {
      const match =
        expectedVersion === undefined
          ? eq(table.id, id)
          : and(eq(table.id, id), eq(table.version, expectedVersion));
      const rows = (await db
        .update(table)
        .set({ ...patch, version: sql`${table.version} + 1`, updatedAt: sql`now()` } as never)
        .where(match)
        .returning()) as unknown as Row[];
      const row = rows[0];
      if (row) return { status: 'updated', row };
      const current = await this.get(id);
      return current ? { status: 'version_mismatch', current } : { status: 'not_found' };
    },

    async delete(id: string): Promise<Row | undefined> {
      const rows = (await db.delete(table).where(eq(table.id, id)).returning()) as unknown as Row[];
      return rows[0];
    },

    page(where: readonly (SQL | undefined)[], page: PageRequest): Promise<Page<Row>> {
      return fetchPage<Row>(db, table, where, page);
    },
  };
}

export type ResourceCrud<Row extends { id: string; version: number }, Insert> = ReturnType<
  typeof resourceCrud<Row, Insert>
>;
