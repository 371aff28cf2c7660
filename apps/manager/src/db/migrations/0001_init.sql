-- The manager's state: hosts and their probes, import plans and batches, managed resources, the journal,
-- reconcile runs, provider drafts, batch-import runs, sessions, the audit log and host leases. Times are integer
-- milliseconds since the epoch; JSON columns are TEXT.
-- Secrets (host admin tokens, smoke keys, batch credentials) are stored only as AES-256-GCM ciphertext
-- plus a non-reversible fingerprint.

CREATE TABLE hosts (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  base_url TEXT NOT NULL UNIQUE,
  token_ciphertext TEXT NOT NULL,
  token_fingerprint TEXT NOT NULL,
  labels TEXT NOT NULL DEFAULT '{}',
  status TEXT NOT NULL DEFAULT 'unknown',            -- active | degraded | unreachable | unauthorized | unknown
  version TEXT,
  capabilities TEXT,
  last_probe_at INTEGER,
  last_probe_ok INTEGER,
  smoke_key_ciphertext TEXT,
  smoke_key_fingerprint TEXT,
  smoke_key_remote_id TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE probe_results (
  id TEXT PRIMARY KEY,
  host_id TEXT NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,                                -- probe | smoke
  trigger TEXT NOT NULL,                             -- register | manual | scheduled | update
  ok INTEGER NOT NULL,
  report TEXT NOT NULL,
  request_id TEXT,
  checked_at INTEGER NOT NULL
);
CREATE INDEX probe_results_host_checked ON probe_results(host_id, kind, checked_at);

CREATE TABLE import_plans (
  id TEXT PRIMARY KEY,
  host_id TEXT NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
  provider_id TEXT NOT NULL,
  snapshot_hash TEXT NOT NULL,
  plan TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);

CREATE TABLE import_batches (
  id TEXT PRIMARY KEY,
  host_id TEXT NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
  provider_id TEXT,
  pack_id TEXT,
  kind TEXT NOT NULL,                                -- import | repair | smoke | batch
  status TEXT NOT NULL,                              -- running | succeeded | partial | failed | rolled_back
  plan_id TEXT,
  actor TEXT NOT NULL,
  request_id TEXT,
  summary TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  finished_at INTEGER
);
CREATE INDEX import_batches_host ON import_batches(host_id, provider_id, created_at);

CREATE TABLE managed_resources (
  id TEXT PRIMARY KEY,
  host_id TEXT NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
  batch_id TEXT NOT NULL REFERENCES import_batches(id) ON DELETE CASCADE,
  provider_id TEXT,
  type TEXT NOT NULL,                                -- user | group | channel | account | account_group | api_key | ...
  natural_key TEXT NOT NULL,
  remote_id TEXT,
  status TEXT NOT NULL,                              -- pending | created | adopted | unknown | deleted | failed
  secret_fingerprint TEXT,
  owned_fields TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX managed_resources_host ON managed_resources(host_id, provider_id, status);
CREATE INDEX managed_resources_batch ON managed_resources(batch_id);

CREATE TABLE journal_entries (
  id TEXT PRIMARY KEY,
  batch_id TEXT NOT NULL REFERENCES import_batches(id) ON DELETE CASCADE,
  resource_id TEXT REFERENCES managed_resources(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  action TEXT NOT NULL,                              -- create | update | delete | adopt
  state TEXT NOT NULL,                               -- pending | confirmed | unknown | failed
  idempotency_key TEXT,
  remote_id TEXT,
  http_status INTEGER,
  error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (batch_id, seq)
);

CREATE TABLE reconcile_runs (
  id TEXT PRIMARY KEY,
  host_id TEXT NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
  provider_id TEXT,
  mode TEXT NOT NULL,                                -- report | repair
  status TEXT NOT NULL,                              -- succeeded | failed
  drift TEXT NOT NULL DEFAULT '[]',
  repaired TEXT NOT NULL DEFAULT '[]',
  repair_batch_id TEXT,
  actor TEXT NOT NULL,
  request_id TEXT,
  created_at INTEGER NOT NULL,
  finished_at INTEGER
);

CREATE TABLE provider_drafts (
  id TEXT PRIMARY KEY,
  pack_id TEXT NOT NULL,
  provider_id TEXT NOT NULL,
  manifest TEXT NOT NULL,
  revision INTEGER NOT NULL DEFAULT 1,
  status TEXT NOT NULL DEFAULT 'draft',              -- draft | published
  published_version TEXT,
  published_commit TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE batch_import_runs (
  id TEXT PRIMARY KEY,
  host_id TEXT NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
  provider_id TEXT NOT NULL,
  status TEXT NOT NULL,                              -- queued | running | succeeded | partial | failed | interrupted | cancelled
  options TEXT NOT NULL DEFAULT '{}',
  counts TEXT NOT NULL DEFAULT '{}',
  batch_id TEXT,
  actor TEXT NOT NULL,
  request_id TEXT,
  error TEXT,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER
);

CREATE TABLE batch_import_items (
  run_id TEXT NOT NULL REFERENCES batch_import_runs(id) ON DELETE CASCADE,
  idx INTEGER NOT NULL,
  status TEXT NOT NULL,                              -- pending | running | succeeded | failed | skipped
  remote_write TEXT NOT NULL DEFAULT 'none',         -- none | confirmed | unknown
  name TEXT,
  credential_ciphertext TEXT NOT NULL,
  credential_fingerprint TEXT NOT NULL,
  resource_ids TEXT NOT NULL DEFAULT '[]',
  error TEXT,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (run_id, idx)
);

CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY,                          -- sha256 of the session id; the id itself lives only in the cookie
  username TEXT NOT NULL,
  client_ip TEXT,
  user_agent TEXT,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE INDEX sessions_expires ON sessions(expires_at);

CREATE TABLE audit_events (
  id TEXT PRIMARY KEY,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target_type TEXT,
  target_id TEXT,
  outcome TEXT NOT NULL,                             -- success | failure | denied
  status INTEGER,
  request_id TEXT,
  client_ip TEXT,
  details TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_at ON audit_events(at);

CREATE TABLE host_leases (
  host_id TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  operation TEXT NOT NULL,
  acquired_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
