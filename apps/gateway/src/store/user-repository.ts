import { eq, sql } from 'drizzle-orm';
import type { Database } from './database.ts';
import { type PageRequest, resourceCrud } from './resource-table.ts';
import { users } from './schema.ts';

export type UserRow = typeof users.$inferSelect;
export type UserInsert = typeof users.$inferInsert;

export interface UserFilter {
  status?: UserRow['status'] | undefined;
  email?: string | undefined;
  name?: string | undefined;
}

export function createUserRepository(db: Database) {
  const crud = resourceCrud<UserRow, UserInsert>(db, users);
  return {
    ...crud,
    list(filter: UserFilter, page: PageRequest) {
      return crud.page(
        [
          filter.status ? eq(users.status, filter.status) : undefined,
          filter.email ? eq(users.email, filter.email) : undefined,
          filter.name ? eq(users.name, filter.name) : undefined,
        ],
        page,
      );
    },
    /** Adds (or with a negative amount, debits) micro-USD; the balance may go negative after a charge. */
    async adjustBalance(id: string, deltaMicros: bigint): Promise<void> {
      await db
        .update(users)
        .set({ balanceMicros: sql`${users.balanceMicros} + ${deltaMicros}` })
        .where(eq(users.id, id));
    },
  };
}
export type UserRepository = ReturnType<typeof createUserRepository>;
