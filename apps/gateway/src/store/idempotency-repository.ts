import { and, eq, lt, sql } from 'drizzle-orm';
import type { Database } from './database.ts';
import { idempotencyRecords } from './schema.ts';

export type IdempotencyRecordRow = typeof idempotencyRecords.$inferSelect;

export type ClaimOutcome = { status: 'claimed' } | { status: 'exists'; record: IdempotencyRecordRow };

/**
 * Idempotency records of admin POSTs. The primary key on `key` decides a race between two requests
 * with the same key: exactly one insert wins the claim, the other sees the existing record.
 */
export function createIdempotencyRepository(db: Database) {
  const repo = {
    async claim(key: string, requestHash: string, ttlSeconds: number): Promise<ClaimOutcome> {
      for (let attempt = 0; attempt < 2; attempt++) {
        const inserted = await db
          .insert(idempotencyRecords)
          .values({
            key,
            requestHash,
            state: 'in_progress',
            expiresAt: sql`now() + make_interval(secs => ${ttlSeconds})`,
          })
          .onConflictDoNothing({ target: idempotencyRecords.key })
          .returning({ key: idempotencyRecords.key });
        if (inserted.length > 0) return { status: 'claimed' };
        const record = await repo.get(key);
        if (record) return { status: 'exists', record };
        // The record expired and was purged between the insert and the read: claim again.
      }
      throw new Error(`could not claim idempotency key ${key}`);
    },

    /** The live record of `key`; expired records count as absent (and are removed). */
    async get(key: string): Promise<IdempotencyRecordRow | undefined> {
      const rows = await db.select().from(idempotencyRecords).where(eq(idempotencyRecords.key, key)).limit(1);
      const record = rows[0];
      if (record && record.expiresAt.getTime() <= Date.now()) {
        await db
          .delete(idempotencyRecords)
          .where(and(eq(idempotencyRecords.key, key), lt(idempotencyRecords.expiresAt, sql`now()`)));
        return undefined;
      }
      return record;
    },

    async complete(key: string, responseStatus: number, responseBody: string): Promise<void> {
      await db
        .update(idempotencyRecords)
        .set({ state: 'completed', responseStatus, responseBody })
        .where(eq(idempotencyRecords.key, key));
    },

    /** Forgets a claim whose request failed unexpectedly, so a retry may run it again. */
    async release(key: string): Promise<void> {
      await db
        .delete(idempotencyRecords)
        .where(and(eq(idempotencyRecords.key, key), eq(idempotencyRecords.state, 'in_progress')));
    },

    async purgeExpired(): Promise<number> {
      const rows = await db
        .delete(idempotencyRecords)
        .where(lt(idempotencyRecords.expiresAt, sql`now()`))
        .returning({ key: idempotencyRecords.key });
      return rows.length;
    },
  };
  return repo;
}
export type IdempotencyRepository = ReturnType<typeof createIdempotencyRepository>;
