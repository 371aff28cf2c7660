-- The provider import lifecycle: what a batch recorded, so that access, drift and rollback can work from the record.
-- managed_resources.status gains `superseded` (a later batch resolved this natural key: adopted or recreated it)
-- and `released` (rollback found the resource no longer carries our labels and left it alone); neither counts as
-- recorded. journal_entries.state gains `skipped` only in batch summaries, never here.

-- What the manager needs to recreate a resource on repair: create-only fields (platform, opening balance), the
-- natural keys it references (user, group, account), and for accounts the credential, sealed with
-- MANAGER_SECRET_KEY (AES-256-GCM, like host tokens); secret_fingerprint stays the only thing shown.
ALTER TABLE managed_resources ADD COLUMN create_fields TEXT NOT NULL DEFAULT '{}';
ALTER TABLE managed_resources ADD COLUMN refs TEXT NOT NULL DEFAULT '{}';
ALTER TABLE managed_resources ADD COLUMN secret_ciphertext TEXT;
CREATE INDEX managed_resources_natural_key ON managed_resources(host_id, natural_key);

ALTER TABLE reconcile_runs ADD COLUMN error TEXT;
CREATE INDEX reconcile_runs_host ON reconcile_runs(host_id, created_at);

CREATE INDEX journal_entries_resource ON journal_entries(resource_id);
