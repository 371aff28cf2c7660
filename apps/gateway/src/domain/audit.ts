import type { AdminResourcePath } from '@relay/schemas';
import type { Store } from '../store/index.ts';
import type { AdminContext } from './context.ts';

export type AuditResourceType = AdminResourcePath;

/**
 * Writes one audit event in the caller's transaction, so a mutation and its record commit together.
 * `before`/`after` must be presented resources (present.ts): they carry fingerprints, never secrets.
 */
export async function recordAudit(
  tx: Store,
  ctx: AdminContext,
  event: {
    action: string;
    resourceType: AuditResourceType;
    resourceId: string;
    before: object | null;
    after: object | null;
  },
): Promise<void> {
  await tx.auditEvents.record({
    actor: ctx.actor,
    action: event.action,
    resourceType: event.resourceType,
    resourceId: event.resourceId,
    before: event.before as Record<string, unknown> | null,
    after: event.after as Record<string, unknown> | null,
    requestId: ctx.requestId,
  });
}
