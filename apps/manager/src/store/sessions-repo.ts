import { and, eq, gt, isNull, lte, or } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import type { SessionRow } from '../db/schema.ts';
import { sessions } from '../db/schema.ts';

/** Server-side sessions, keyed by the sha256 of the id carried in the cookie. */
export class SessionRepository {
  constructor(private readonly db: Db) {}

  insert(row: typeof sessions.$inferInsert): void {
    this.db.insert(sessions).values(row).run();
  }

  /** The session if it exists, is not revoked and has not expired at `now`. */
  findLive(idHash: string, now: number): SessionRow | undefined {
    return this.db
      .select()
      .from(sessions)
      .where(and(eq(sessions.idHash, idHash), isNull(sessions.revokedAt), gt(sessions.expiresAt, now)))
      .get();
  }

  revoke(idHash: string, now: number): boolean {
    return (
      this.db
        .update(sessions)
        .set({ revokedAt: now })
        .where(and(eq(sessions.idHash, idHash), isNull(sessions.revokedAt)))
        .run().changes > 0
    );
  }

  /** Drops rows that can no longer authenticate anyone. */
  prune(now: number): number {
    return this.db
      .delete(sessions)
      .where(or(lte(sessions.expiresAt, now), lte(sessions.revokedAt, now)))
      .run().changes;
  }
}
