/** The manager API shapes the console reads (see apps/manager/README.md). */

export type Page<T> = { items: T[]; next_cursor: string | null };

export type Session = {
  authenticated: boolean;
  via: 'token' | 'session';
  username: string;
  expires_at: string | null;
};

export type ProbeCheck = { name: string; ok: boolean; status?: number; detail: string; duration_ms: number };

export type ProbeReport = {
  ok: boolean;
  checked_at: string;
  base_url: string;
  reachable: boolean;
  auth_ok: boolean;
  version: string | null;
  resources: Record<string, { count: number; truncated: boolean }> | null;
  checks: ProbeCheck[];
};

export type Host = {
  id: string;
  name: string;
  base_url: string;
  labels: Record<string, string>;
  token_fingerprint: string;
  status: string;
  version: string | null;
  last_probe_at: string | null;
  last_probe_ok: boolean | null;
  smoke_key_fingerprint: string | null;
  created_at: string;
};

export type SmokeResult = { ok: boolean; checked_at: string; models: string[]; steps: ProbeCheck[] };

export type HostStatus = {
  host_id: string;
  status: string;
  last_probe: ProbeReport | null;
  last_smoke: SmokeResult | null;
  managed_resources: { total: number; by_provider: Record<string, Record<string, number>> };
  /** The live access closure of each provider recorded on the host. */
  closure: {
    ok: boolean;
    checked_at: string;
    providers: { provider_id: string; ok: boolean; groups_with_gaps: number; error?: string }[];
  } | null;
  lease: { operation: string; owner: string; expires_at: string } | null;
};

export type MissingLink = { reason: string; message: string; ids?: Record<string, string> };
export type GroupClosure = {
  group_id: string | null;
  natural_key: string;
  ok: boolean;
  routable?: boolean;
  missing: MissingLink[];
};
export type Closure = { ok: boolean; checked_at?: string; groups: GroupClosure[]; message?: string };

export type PlanOp = {
  action: 'create' | 'update' | 'no-op' | 'adopt' | 'conflict';
  type: string;
  natural_key: string;
  remote_id?: string;
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
  changed_fields?: string[];
  reason?: string;
  depends_on?: string[];
};

export type Plan = {
  plan_id: string;
  host_id: string;
  provider_id: string;
  pack_id: string;
  snapshot_hash: string;
  created_at: string;
  expires_at: string;
  credentials: { fingerprint: string; name: string | null }[];
  ops: PlanOp[];
  closure: Closure;
  warnings: string[];
};

export type BatchItem = {
  type: string;
  natural_key: string;
  action: string;
  status: string;
  remote_id?: string | null;
  resource_id?: string;
  error?: string;
};

export type ImportResult = {
  batch_id: string;
  host_id: string;
  provider_id: string;
  kind: string;
  status: string;
  resources: BatchItem[];
  closure?: Closure;
  warnings?: string[];
  api_key?: { natural_key: string; secret: string; remote_id?: string };
};

export type Batch = {
  batch_id: string;
  host_id: string;
  provider_id: string | null;
  kind: string;
  status: string;
  actor: string;
  created_at: string;
  finished_at: string | null;
  summary: { counts?: Record<string, number> } & Record<string, unknown>;
};

export type ManagedResource = {
  id: string;
  batch_id: string;
  provider_id: string | null;
  type: string;
  natural_key: string;
  remote_id: string | null;
  status: string;
  created_at: string | null;
};

export type DriftField = { field: string; expected: unknown; actual: unknown };
export type Drift = {
  kind: 'missing' | 'modified' | 'orphaned' | 'conflict';
  type: string;
  natural_key: string;
  remote_id?: string;
  fields?: DriftField[];
};

export type ReconcileRun = {
  run_id: string;
  host_id: string;
  provider_id: string | null;
  mode: 'report' | 'repair';
  status: string;
  drift: Drift[];
  repaired: { kind: string; type: string; natural_key: string; status: string; remote_id?: string }[];
  repair_batch_id: string | null;
  error: string | null;
  created_at: string;
};

/** A stored reconcile run as summaries show it: `drift` is the number of drifted resources. */
export type ReconcileSummary = {
  run_id: string;
  mode: 'report' | 'repair';
  status: string;
  actor: string;
  drift: number;
  created_at: string;
};

export type ProviderStatus = {
  provider_id: string;
  resources: Record<string, number>;
  last_batch: Batch | null;
  last_reconcile: ReconcileSummary | null;
  closure: Closure | null;
};

export type HostOverview = {
  host_id: string;
  host: { name: string; status: string; last_probe_at: string | null };
  recorded_resources: number;
  providers: ProviderStatus[];
  recent_batches: Batch[];
  last_reconcile: ReconcileSummary | null;
};

export type AccessRepair = {
  batch_id: string | null;
  repaired: { type: string; natural_key: string; status: string }[];
  access: Closure;
};

export type RollbackItem = {
  batch_id: string;
  type: string;
  natural_key: string;
  remote_id: string | null;
  /** deleted, already_gone, released, failed… */
  result: string;
  error?: string;
};
export type RollbackResult = { status: string; batches?: string[]; resources: RollbackItem[] };

export type PackError = { file: string; field: string | null; code: string; message: string };

export type Pack = {
  id: string;
  name: string | null;
  version: string | null;
  description: string | null;
  valid: boolean;
  importable: boolean;
  provider_count: number;
  errors: PackError[];
};

export type ModelPrice = { input: number; output: number; cache_read?: number; cache_write?: number };
export type ManifestModel = {
  id: string;
  display_name?: string;
  context_window?: number;
  price: ModelPrice;
};
export type Manifest = {
  id: string;
  name: string;
  platform: string;
  base_url: string;
  auth_style?: string;
  docs_url?: string;
  pricing_source?: string;
  pricing_as_of?: string;
  models: ManifestModel[];
  defaults?: { group?: { name?: string; rate_multiplier?: number; rpm_limit?: number } };
};

export type Provider = {
  id: string;
  pack_id: string;
  file: string;
  name: string | null;
  platform: string | null;
  valid: boolean;
  errors: PackError[];
  pack_valid: boolean;
  manifest: Manifest | null;
};

export type AuditEvent = {
  id: string;
  at: string;
  actor: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
  outcome: 'success' | 'failure' | 'denied';
  status: number | null;
  request_id: string | null;
  client_ip: string | null;
  details: Record<string, unknown> | null;
};

export type Draft = {
  draft_id: string;
  pack_id: string;
  provider_id: string;
  manifest: Record<string, unknown>;
  revision: number;
  status: 'draft' | 'published';
  published_version: string | null;
  published_commit: string | null;
  created_at: string;
  updated_at: string;
};

export type PublishResult = {
  draft_id: string;
  pack_id: string;
  provider_id: string;
  pack_version: string;
  commit: string;
};

/** One validation error of a manifest: `field` is a dotted path such as `manifest.models.0.price.input`. */
export type FieldError = { field: string | null; code: string; message: string; file?: string };

export type BatchRunStatus =
  | 'queued'
  | 'running'
  | 'succeeded'
  | 'partial'
  | 'failed'
  | 'interrupted'
  | 'cancelled';

export type BatchRun = {
  run_id: string;
  host_id: string;
  provider_id: string;
  status: BatchRunStatus;
  batch_id: string | null;
  options: Record<string, unknown>;
  counts: {
    total: number;
    pending: number;
    running: number;
    succeeded: number;
    failed: number;
    skipped: number;
  };
  progress: { done: number; total: number; percent: number };
  error: string | null;
  actor: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
};

export type BatchRunItem = {
  index: number;
  name: string | null;
  credential_fingerprint: string;
  status: 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped';
  remote_write: 'none' | 'confirmed' | 'unknown';
  resource_ids: string[];
  account_id: string | null;
  error: string | null;
  updated_at: string;
};
