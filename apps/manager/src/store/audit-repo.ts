import { and, desc, eq, lt } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import type { AuditEventRow } from '../db/schema.ts';
import { auditEvents } from '../db/schema.ts';

export type NewAuditEvent = typeof auditEvents.$inferInsert;

export type AuditFilter = {
  action?: string;
  actor?: string;
  targetId?: string;
  outcome?: AuditEventRow['outcome'];
};

/** Append-only audit trail of every mutation and every failed login. */
export class AuditRepository {
  constructor(private readonly db: Db) {}

  insert(row: NewAuditEvent): void {
    this.db.insert(auditEvents).values(row).run();
  }

  /** Newest first (ids sort by time); `cursor` is the last id of the previous page. */
  list(filter: AuditFilter, limit: number, cursor?: string): AuditEventRow[] {
    const where = and(
      cursor === undefined ? undefined : lt(auditEvents.id, cursor),
      filter.action === undefined ? undefined : eq(auditEvents.action, filter.action),
      filter.actor === undefined ? undefined : eq(auditEvents.actor, filter.actor),
      filter.targetId === undefined ? undefined : eq(auditEvents.targetId, filter.targetId),
      filter.outcome === undefined ? undefined : eq(auditEvents.outcome, filter.outcome),
    );
    return this.db.select().from(auditEvents).where(where).orderBy(desc(auditEvents.id)).limit(limit).all();
  }
}
