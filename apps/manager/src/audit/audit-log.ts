import type { Clock } from '../clock.ts';
import type { AuditEventRow } from '../db/schema.ts';
import { newId } from '../ids.ts';
import type { Store } from '../store/store.ts';

export type AuditEntry = {
  actor: string;
  action: string;
  targetType?: string | undefined;
  targetId?: string | undefined;
  outcome: AuditEventRow['outcome'];
  status?: number | undefined;
  requestId?: string | undefined;
  clientIp?: string | undefined;
  /** Never secrets: callers pass fingerprints. */
  details?: Record<string, unknown> | undefined;
};

/** Writes audit events (every mutation, every failed login) and renders them for the API. */
export class AuditLog {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  record(entry: AuditEntry): void {
    const at = this.clock();
    this.store.audit.insert({
      id: newId('aud', at),
      at,
      actor: entry.actor,
      action: entry.action,
      targetType: entry.targetType ?? null,
      targetId: entry.targetId ?? null,
      outcome: entry.outcome,
      status: entry.status ?? null,
      requestId: entry.requestId ?? null,
      clientIp: entry.clientIp ?? null,
      details: entry.details ?? {},
    });
  }
}

export function auditEventView(row: AuditEventRow) {
  return {
    id: row.id,
    at: new Date(row.at).toISOString(),
    actor: row.actor,
    action: row.action,
    target_type: row.targetType,
    target_id: row.targetId,
    outcome: row.outcome,
    status: row.status,
    request_id: row.requestId,
    client_ip: row.clientIp,
    details: row.details,
  };
}
