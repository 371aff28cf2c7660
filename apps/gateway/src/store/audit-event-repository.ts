import { eq, gte, lt } from 'drizzle-orm';
import type { Database } from './database.ts';
import { ID_PREFIX, newId } from './ids.ts';
import { fetchPage, type PageRequest } from './resource-table.ts';
import { auditEvents } from './schema.ts';

export type AuditEventRow = typeof auditEvents.$inferSelect;
export type AuditEventInsert = Omit<typeof auditEvents.$inferInsert, 'id' | 'createdAt'>;

export interface AuditEventFilter {
  actor?: string | undefined;
  action?: string | undefined;
  resourceType?: string | undefined;
  resourceId?: string | undefined;
  requestId?: string | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
}

export function createAuditEventRepository(db: Database) {
  return {
    async record(event: AuditEventInsert): Promise<AuditEventRow> {
      const rows = await db
        .insert(auditEvents)
        .values({ ...event, id: newId(ID_PREFIX.auditEvent) })
        .returning();
      const row = rows[0];
      if (!row) throw new Error('audit insert returned no row');
      return row;
    },
    /** Newest first. */
    list(filter: AuditEventFilter, page: PageRequest) {
      return fetchPage<AuditEventRow>(
        db,
        auditEvents,
        [
          filter.actor ? eq(auditEvents.actor, filter.actor) : undefined,
          filter.action ? eq(auditEvents.action, filter.action) : undefined,
          filter.resourceType ? eq(auditEvents.resourceType, filter.resourceType) : undefined,
          filter.resourceId ? eq(auditEvents.resourceId, filter.resourceId) : undefined,
          filter.requestId ? eq(auditEvents.requestId, filter.requestId) : undefined,
          filter.since ? gte(auditEvents.createdAt, filter.since) : undefined,
          filter.until ? lt(auditEvents.createdAt, filter.until) : undefined,
        ],
        page,
        'desc',
      );
    },
  };
}
export type AuditEventRepository = ReturnType<typeof createAuditEventRepository>;
