import type { ImportBatchRow, JournalEntryRow, ManagedResourceRow } from '../db/schema.ts';

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

/** A managed resource as the API shows it (the sealed credential never leaves the database). */
export function resourceView(row: ManagedResourceRow) {
  return {
    id: row.id,
    host_id: row.hostId,
    batch_id: row.batchId,
    provider_id: row.providerId,
    type: row.type,
    natural_key: row.naturalKey,
    remote_id: row.remoteId,
    status: row.status,
    secret_fingerprint: row.secretFingerprint,
    owned_fields: row.ownedFields,
    refs: row.refs,
    created_at: iso(row.createdAt),
    updated_at: iso(row.updatedAt),
  };
}

export function journalEntryView(row: JournalEntryRow) {
  return {
    id: row.id,
    seq: row.seq,
    resource_id: row.resourceId,
    action: row.action,
    state: row.state,
    idempotency_key: row.idempotencyKey,
    remote_id: row.remoteId,
    http_status: row.httpStatus,
    error: row.error,
    created_at: iso(row.createdAt),
    updated_at: iso(row.updatedAt),
  };
}

/** A batch in lists: what it was and how it ended, with its summary (items, closure, warnings). */
export function batchView(row: ImportBatchRow) {
  return {
    batch_id: row.id,
    host_id: row.hostId,
    provider_id: row.providerId,
    pack_id: row.packId,
    kind: row.kind,
    status: row.status,
    plan_id: row.planId,
    actor: row.actor,
    request_id: row.requestId,
    summary: row.summary,
    created_at: iso(row.createdAt),
    finished_at: isoOrNull(row.finishedAt),
  };
}
