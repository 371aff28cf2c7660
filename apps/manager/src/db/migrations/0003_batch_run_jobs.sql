-- The embedded job queue of batch-import runs (used when REDIS_URL is not set): one row per item waiting
-- to be processed. A worker claims a job by deleting its row; what happened to the item is recorded in
-- batch_import_items, so a job lost with a crashed process is found again from the items on resume.
CREATE TABLE batch_run_jobs (
  seq INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL REFERENCES batch_import_runs(id) ON DELETE CASCADE,
  idx INTEGER NOT NULL,
  enqueued_at INTEGER NOT NULL
);
CREATE INDEX batch_run_jobs_run ON batch_run_jobs(run_id);
