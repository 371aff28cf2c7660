import { index, integer, primaryKey, sqliteTable, text, unique } from 'drizzle-orm/sqlite-core';

/**
 * Drizzle view of the tables created by ./migrations/*.sql (the SQL files are the source of truth;
 * db/schema.test.ts checks both agree). Times are integer milliseconds since the epoch.
 */

export const hosts = sqliteTable('hosts', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  baseUrl: text('base_url').notNull().unique(),
  tokenCiphertext: text('token_ciphertext').notNull(),
  tokenFingerprint: text('token_fingerprint').notNull(),
  labels: text('labels', { mode: 'json' }).$type<Record<string, string>>().notNull(),
  status: text('status').$type<HostStatus>().notNull(),
  version: text('version'),
  capabilities: text('capabilities', { mode: 'json' }).$type<unknown>(),
  lastProbeAt: integer('last_probe_at'),
  lastProbeOk: integer('last_probe_ok', { mode: 'boolean' }),
  smokeKeyCiphertext: text('smoke_key_ciphertext'),
  smokeKeyFingerprint: text('smoke_key_fingerprint'),
  smokeKeyRemoteId: text('smoke_key_remote_id'),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
});
export type HostStatus = 'active' | 'degraded' | 'unreachable' | 'unauthorized' | 'unknown';
export type HostRow = typeof hosts.$inferSelect;

export const probeResults = sqliteTable(
  'probe_results',
  {
    id: text('id').primaryKey(),
    hostId: text('host_id')
      .notNull()
      .references(() => hosts.id, { onDelete: 'cascade' }),
    kind: text('kind').$type<'probe' | 'smoke'>().notNull(),
    trigger: text('trigger').$type<'register' | 'manual' | 'scheduled' | 'update'>().notNull(),
    ok: integer('ok', { mode: 'boolean' }).notNull(),
    report: text('report', { mode: 'json' }).$type<unknown>().notNull(),
    requestId: text('request_id'),
    checkedAt: integer('checked_at').notNull(),
  },
  (t) => [index('probe_results_host_checked').on(t.hostId, t.kind, t.checkedAt)],
);
export type ProbeResultRow = typeof probeResults.$inferSelect;

export const importPlans = sqliteTable('import_plans', {
  id: text('id').primaryKey(),
  hostId: text('host_id')
    .notNull()
    .references(() => hosts.id, { onDelete: 'cascade' }),
  providerId: text('provider_id').notNull(),
  snapshotHash: text('snapshot_hash').notNull(),
  plan: text('plan', { mode: 'json' }).$type<unknown>().notNull(),
  createdAt: integer('created_at').notNull(),
  expiresAt: integer('expires_at').notNull(),
});

export const importBatches = sqliteTable(
  'import_batches',
  {
    id: text('id').primaryKey(),
    hostId: text('host_id')
      .notNull()
      .references(() => hosts.id, { onDelete: 'cascade' }),
    providerId: text('provider_id'),
    packId: text('pack_id'),
    kind: text('kind').$type<ImportBatchKind>().notNull(),
    status: text('status').$type<ImportBatchStatus>().notNull(),
    planId: text('plan_id'),
    actor: text('actor').notNull(),
    requestId: text('request_id'),
    summary: text('summary', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    createdAt: integer('created_at').notNull(),
    finishedAt: integer('finished_at'),
  },
  (t) => [index('import_batches_host').on(t.hostId, t.providerId, t.createdAt)],
);

export type ImportBatchKind = 'import' | 'repair' | 'smoke' | 'batch';
export type ImportBatchStatus = 'running' | 'succeeded' | 'partial' | 'failed' | 'rolled_back';
export type ImportBatchRow = typeof importBatches.$inferSelect;
export type ImportPlanRow = typeof importPlans.$inferSelect;

export const managedResources = sqliteTable(
  'managed_resources',
  {
    id: text('id').primaryKey(),
    hostId: text('host_id')
      .notNull()
      .references(() => hosts.id, { onDelete: 'cascade' }),
    batchId: text('batch_id')
      .notNull()
      .references(() => importBatches.id, { onDelete: 'cascade' }),
    providerId: text('provider_id'),
    type: text('type').notNull(),
    naturalKey: text('natural_key').notNull(),
    remoteId: text('remote_id'),
    status: text('status').$type<ManagedResourceStatus>().notNull(),
    secretFingerprint: text('secret_fingerprint'),
    ownedFields: text('owned_fields', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    /** Fields sent only on create (platform, opening balance): what a repair needs to recreate it. */
    createFields: text('create_fields', { mode: 'json' })
      .$type<Record<string, unknown>>()
      .notNull()
      .$defaultFn(() => ({})),
    /** Natural keys this resource references (`{user?, group?, account?}`). */
    refs: text('refs', { mode: 'json' })
      .$type<Record<string, string>>()
      .notNull()
      .$defaultFn(() => ({})),
    /** Accounts: the upstream credential sealed with MANAGER_SECRET_KEY, to recreate or restore it. */
    secretCiphertext: text('secret_ciphertext'),
  },
  (t) => [
    index('managed_resources_host').on(t.hostId, t.providerId, t.status),
    index('managed_resources_batch').on(t.batchId),
    index('managed_resources_natural_key').on(t.hostId, t.naturalKey),
  ],
);
export type ManagedResourceRow = typeof managedResources.$inferSelect;
/**
 * `superseded`: a later batch resolved the same natural key (adopted or recreated it); `released`: rollback
 * found it no longer carries our labels and left it alone. Neither counts as recorded.
 */
export type ManagedResourceStatus =
  | 'pending'
  | 'created'
  | 'adopted'
  | 'unknown'
  | 'deleted'
  | 'failed'
  | 'superseded'
  | 'released';
/** Statuses that mean "this may exist on the host because of us". */
export const RECORDED_RESOURCE_STATUSES: ManagedResourceStatus[] = [
  'pending',
  'created',
  'adopted',
  'unknown',
];

export const journalEntries = sqliteTable(
  'journal_entries',
  {
    id: text('id').primaryKey(),
    batchId: text('batch_id')
      .notNull()
      .references(() => importBatches.id, { onDelete: 'cascade' }),
    resourceId: text('resource_id').references(() => managedResources.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    action: text('action').$type<'create' | 'update' | 'delete' | 'adopt'>().notNull(),
    state: text('state').$type<'pending' | 'confirmed' | 'unknown' | 'failed'>().notNull(),
    idempotencyKey: text('idempotency_key'),
    remoteId: text('remote_id'),
    httpStatus: integer('http_status'),
    error: text('error'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [unique().on(t.batchId, t.seq), index('journal_entries_resource').on(t.resourceId)],
);
export type JournalEntryRow = typeof journalEntries.$inferSelect;

export const reconcileRuns = sqliteTable(
  'reconcile_runs',
  {
    id: text('id').primaryKey(),
    hostId: text('host_id')
      .notNull()
      .references(() => hosts.id, { onDelete: 'cascade' }),
    providerId: text('provider_id'),
    mode: text('mode').$type<'report' | 'repair'>().notNull(),
    status: text('status').$type<'succeeded' | 'failed'>().notNull(),
    drift: text('drift', { mode: 'json' }).$type<unknown[]>().notNull(),
    repaired: text('repaired', { mode: 'json' }).$type<unknown[]>().notNull(),
    repairBatchId: text('repair_batch_id'),
    actor: text('actor').notNull(),
    requestId: text('request_id'),
    createdAt: integer('created_at').notNull(),
    finishedAt: integer('finished_at'),
    error: text('error'),
  },
  (t) => [index('reconcile_runs_host').on(t.hostId, t.createdAt)],
);
export type ReconcileRunRow = typeof reconcileRuns.$inferSelect;

export const providerDrafts = sqliteTable('provider_drafts', {
  id: text('id').primaryKey(),
  packId: text('pack_id').notNull(),
  providerId: text('provider_id').notNull(),
  manifest: text('manifest', { mode: 'json' }).$type<unknown>().notNull(),
  revision: integer('revision').notNull(),
  status: text('status').$type<'draft' | 'published'>().notNull(),
  publishedVersion: text('published_version'),
  publishedCommit: text('published_commit'),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

export const batchImportRuns = sqliteTable('batch_import_runs', {
  id: text('id').primaryKey(),
  hostId: text('host_id')
    .notNull()
    .references(() => hosts.id, { onDelete: 'cascade' }),
  providerId: text('provider_id').notNull(),
  status: text('status')
    .$type<'queued' | 'running' | 'succeeded' | 'partial' | 'failed' | 'interrupted' | 'cancelled'>()
    .notNull(),
  options: text('options', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  counts: text('counts', { mode: 'json' }).$type<Record<string, number>>().notNull(),
  batchId: text('batch_id'),
  actor: text('actor').notNull(),
  requestId: text('request_id'),
  error: text('error'),
  createdAt: integer('created_at').notNull(),
  startedAt: integer('started_at'),
  finishedAt: integer('finished_at'),
});

export const batchImportItems = sqliteTable(
  'batch_import_items',
  {
    runId: text('run_id')
      .notNull()
      .references(() => batchImportRuns.id, { onDelete: 'cascade' }),
    idx: integer('idx').notNull(),
    status: text('status').$type<'pending' | 'running' | 'succeeded' | 'failed' | 'skipped'>().notNull(),
    remoteWrite: text('remote_write').$type<'none' | 'confirmed' | 'unknown'>().notNull(),
    name: text('name'),
    credentialCiphertext: text('credential_ciphertext').notNull(),
    credentialFingerprint: text('credential_fingerprint').notNull(),
    resourceIds: text('resource_ids', { mode: 'json' }).$type<string[]>().notNull(),
    error: text('error'),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.idx] })],
);

/** The embedded item queue of batch runs (raw statements in batch-runs/sqlite-item-queue.ts). */
export const batchRunJobs = sqliteTable('batch_run_jobs', {
  seq: integer('seq').primaryKey(),
  runId: text('run_id')
    .notNull()
    .references(() => batchImportRuns.id, { onDelete: 'cascade' }),
  idx: integer('idx').notNull(),
  enqueuedAt: integer('enqueued_at').notNull(),
});

export const sessions = sqliteTable(
  'sessions',
  {
    idHash: text('id_hash').primaryKey(),
    username: text('username').notNull(),
    clientIp: text('client_ip'),
    userAgent: text('user_agent'),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    revokedAt: integer('revoked_at'),
  },
  (t) => [index('sessions_expires').on(t.expiresAt)],
);
export type SessionRow = typeof sessions.$inferSelect;

export const auditEvents = sqliteTable(
  'audit_events',
  {
    id: text('id').primaryKey(),
    at: integer('at').notNull(),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    targetType: text('target_type'),
    targetId: text('target_id'),
    outcome: text('outcome').$type<'success' | 'failure' | 'denied'>().notNull(),
    status: integer('status'),
    requestId: text('request_id'),
    clientIp: text('client_ip'),
    details: text('details', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  },
  (t) => [index('audit_events_at').on(t.at)],
);
export type AuditEventRow = typeof auditEvents.$inferSelect;

export const hostLeases = sqliteTable('host_leases', {
  hostId: text('host_id').primaryKey(),
  owner: text('owner').notNull(),
  operation: text('operation').notNull(),
  acquiredAt: integer('acquired_at').notNull(),
  expiresAt: integer('expires_at').notNull(),
});
