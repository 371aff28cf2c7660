import { useEffect, useState } from 'preact/hooks';
import { api, withQuery } from '../api.ts';
import { ErrorNote, Loading, Note, StatusBadge, Time } from '../components/feedback.tsx';
import { useAction } from '../hooks.ts';
import { Link } from '../router.tsx';
import type { BatchRun, BatchRunItem, Page } from '../types.ts';

const ACTIVE = new Set(['queued', 'running']);
/** How often a live run is read again. */
const POLL_MS = 500;

/** One run, live: progress and items refresh until it ends; cancel while it runs, resume if interrupted. */
export function BatchRunPage({ runId }: { runId: string }) {
  const [run, setRun] = useState<BatchRun | undefined>();
  const [items, setItems] = useState<BatchRunItem[]>([]);
  const [error, setError] = useState<Error | undefined>();
  const [generation, setGeneration] = useState(0);
  const cancel = useAction(() => api<BatchRun>('POST', `/api/batch-import/runs/${runId}/cancel`));
  const resume = useAction(() => api<BatchRun>('POST', `/api/batch-import/runs/${runId}/resume`));

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        const [fresh, page] = await Promise.all([
          api<BatchRun>('GET', `/api/batch-import/runs/${runId}`),
          api<Page<BatchRunItem>>('GET', withQuery(`/api/batch-import/runs/${runId}/items`, { limit: 1000 })),
        ]);
        if (stopped) return;
        setRun(fresh);
        setItems(page.items);
        setError(undefined);
        if (ACTIVE.has(fresh.status)) timer = setTimeout(tick, POLL_MS);
      } catch (caught) {
        if (stopped) return;
        setError(caught instanceof Error ? caught : new Error(String(caught)));
        timer = setTimeout(tick, POLL_MS * 4);
      }
    };
    void tick();
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [runId, generation]);

  if (run === undefined) {
    return error !== undefined ? (
      <ErrorNote error={error} title="Run not found" />
    ) : (
      <Loading what="the run" />
    );
  }
  const active = ACTIVE.has(run.status);
  const failed = items.filter((item) => item.status === 'failed');
  return (
    <section>
      <p class="crumbs">
        <Link href="/batches">Batch import</Link> › {run.run_id}
      </p>
      <h1>
        Batch run of {run.provider_id} <StatusBadge status={run.status} />
      </h1>
      <p class="muted">
        Host <Link href={`/hosts/${run.host_id}`}>{run.host_id}</Link> · started <Time at={run.created_at} />
        {run.finished_at !== null && (
          <>
            {' '}
            · finished <Time at={run.finished_at} />
          </>
        )}
        {run.batch_id !== null && (
          <>
            {' '}
            · import batch <code>{run.batch_id}</code>
          </>
        )}
      </p>
      <section class="card" aria-label="Progress">
        <label for="run-progress">
          {run.progress.done} of {run.progress.total} done ({run.progress.percent}%)
        </label>
        <progress id="run-progress" class="progress" max={run.progress.total} value={run.progress.done} />
        <p aria-live="polite">
          {run.counts.succeeded} succeeded · {run.counts.failed} failed · {run.counts.skipped} skipped ·{' '}
          {run.counts.running} running · {run.counts.pending} pending
        </p>
        {run.error !== null && <Note tone="warn">{run.error}</Note>}
        <div class="actions">
          {active && (
            <button type="button" class="button danger" disabled={cancel.busy} onClick={() => cancel.run()}>
              Cancel run
            </button>
          )}
          {run.status === 'interrupted' && (
            <button
              type="button"
              class="button primary"
              disabled={resume.busy}
              onClick={async () => {
                await resume.run();
                setGeneration((g) => g + 1);
              }}
            >
              Resume run
            </button>
          )}
        </div>
        <ErrorNote error={cancel.error} title="Not cancelled" />
        <ErrorNote error={resume.error} title="Not resumed" />
        <ErrorNote error={error} title="Lost touch with the manager (retrying)" />
      </section>
      {!active && failed.length > 0 && (
        <div class="note note-error" role="status">
          <strong>
            {failed.length} item{failed.length === 1 ? '' : 's'} failed
          </strong>
          : see the reasons below. Failed accounts stay recorded (disabled) and roll back with the provider.
        </div>
      )}
      <table class="table">
        <caption>Items</caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Name</th>
            <th scope="col">Credential</th>
            <th scope="col">Status</th>
            <th scope="col">Write</th>
            <th scope="col">Account</th>
            <th scope="col">Reason</th>
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <tr key={item.index}>
              <td>{item.index}</td>
              <td>{item.name ?? '—'}</td>
              <td>
                <code>{item.credential_fingerprint}</code>
              </td>
              <td>
                <StatusBadge status={item.status} />
              </td>
              <td>{item.remote_write}</td>
              <td>
                <code>{item.account_id ?? '—'}</code>
              </td>
              <td class="wrap">{item.error ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
