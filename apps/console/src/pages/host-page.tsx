import { useState } from 'preact/hooks';
import { ApiError, api, withQuery } from '../api.ts';
import { ConfirmDialog } from '../components/confirm-dialog.tsx';
import { ErrorNote, Loading, Note, OkBadge, StatusBadge, Time } from '../components/feedback.tsx';
import { ProbeReportView, SmokeView } from '../components/reports.tsx';
import { useAction, useLoad } from '../hooks.ts';
import { Link, navigate } from '../router.tsx';
import type { Batch, Host, HostStatus, Page, ProbeReport, SmokeResult } from '../types.ts';

export function HostPage({ hostId }: { hostId: string }) {
  const host = useLoad(() => api<Host>('GET', `/api/hosts/${hostId}`), [hostId]);
  const status = useLoad(() => api<HostStatus>('GET', `/api/hosts/${hostId}/status`), [hostId]);
  const batches = useLoad(
    () => api<Page<Batch>>('GET', withQuery('/api/import-batches', { host_id: hostId, limit: 10 })),
    [hostId],
  );
  const probe = useAction(() => api<ProbeReport>('POST', `/api/hosts/${hostId}/probe`));
  const smoke = useAction(() => api<SmokeResult>('POST', `/api/hosts/${hostId}/smoke`, {}));
  const [deleting, setDeleting] = useState(false);
  const remove = useAction(async (force: boolean) => {
    await api('DELETE', `/api/hosts/${hostId}${force ? '?force=true' : ''}`);
    return true;
  });
  const hasResources = remove.error instanceof ApiError && remove.error.code === 'HOST_HAS_RESOURCES';

  if (host.data === undefined) {
    return host.error !== undefined ? (
      <ErrorNote error={host.error} title="Host not found" />
    ) : (
      <Loading what="the host" />
    );
  }
  const h = host.data;
  const refresh = () => {
    host.reload();
    status.reload();
    batches.reload();
  };
  const lastSmoke = smoke.result ?? status.data?.last_smoke ?? undefined;
  return (
    <section>
      <p class="crumbs">
        <Link href="/hosts">Hosts</Link> › {h.name}
      </p>
      <h1>
        {h.name} <StatusBadge status={h.status} />
      </h1>
      <dl class="facts">
        <dt>Base URL</dt>
        <dd>
          <code>{h.base_url}</code>
        </dd>
        <dt>Gateway version</dt>
        <dd>{h.version ?? '—'}</dd>
        <dt>Last probe</dt>
        <dd>
          <Time at={h.last_probe_at} />
        </dd>
        <dt>Admin token</dt>
        <dd>
          <code>{h.token_fingerprint}</code>
        </dd>
        <dt>Smoke key</dt>
        <dd>
          {h.smoke_key_fingerprint === null ? (
            'none yet (the first smoke creates one)'
          ) : (
            <code>{h.smoke_key_fingerprint}</code>
          )}
        </dd>
        <dt>Id</dt>
        <dd>
          <code>{h.id}</code>
        </dd>
      </dl>
      <div class="actions">
        <button
          type="button"
          class="button"
          disabled={probe.busy}
          onClick={async () => {
            await probe.run();
            refresh();
          }}
        >
          {probe.busy ? 'Probing…' : 'Probe now'}
        </button>
        <button
          type="button"
          class="button primary"
          disabled={smoke.busy}
          onClick={async () => {
            await smoke.run();
            refresh();
          }}
        >
          {smoke.busy ? 'Running smoke test…' : 'Run smoke test'}
        </button>
        <button type="button" class="button danger" onClick={() => setDeleting(true)}>
          Delete host…
        </button>
      </div>
      <ErrorNote error={probe.error} title="Probe failed" />
      <ErrorNote error={smoke.error} title="Smoke test failed" />
      {probe.result !== undefined && <ProbeReportView probe={probe.result} />}
      {lastSmoke !== undefined && <SmokeView smoke={lastSmoke} />}

      <h2>Imported providers</h2>
      {status.data === undefined ? (
        <Loading what="the status" />
      ) : Object.keys(status.data.managed_resources.by_provider).length === 0 ? (
        <Note tone="info">
          Nothing imported yet. Pick a provider under <Link href="/providers">Packs and providers</Link>.
        </Note>
      ) : (
        <ul class="plain">
          {Object.entries(status.data.managed_resources.by_provider).map(([provider, counts]) => {
            const closure = status.data?.closure?.providers.find((item) => item.provider_id === provider);
            return (
              <li key={provider}>
                <Link href={`/providers/${provider}?host=${h.id}`}>{provider}</Link>:{' '}
                {Object.entries(counts)
                  .map(([type, n]) => `${n} ${type}`)
                  .join(', ')}{' '}
                {closure !== undefined && (
                  <>
                    · access <OkBadge ok={closure.ok} yes="complete" no="broken" />
                    {closure.error !== undefined && <span class="muted"> {closure.error}</span>}
                  </>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {status.data?.lease != null && (
        <Note tone="warn">
          Busy: <code>{status.data.lease.operation}</code> holds this host until{' '}
          <Time at={status.data.lease.expires_at} />.
        </Note>
      )}

      <h2>Recent batches</h2>
      {batches.data === undefined ? (
        <Loading what="batches" />
      ) : (
        <BatchesTable batches={batches.data.items} />
      )}

      <ConfirmDialog
        open={deleting}
        title={`Delete host ${h.name}?`}
        confirmLabel={hasResources ? 'Forget it anyway' : 'Delete host'}
        danger
        busy={remove.busy}
        onCancel={() => {
          setDeleting(false);
          remove.reset();
        }}
        onConfirm={async () => {
          if (await remove.run(hasResources)) navigate('/hosts');
        }}
      >
        <p>
          The manager forgets this host. Nothing is deleted on the gateway itself: roll providers back first
          to remove what the manager imported there.
        </p>
        <ErrorNote error={remove.error} title="Not deleted" />
        {hasResources && (
          <p>
            The manager still records resources on this host. Confirm again to forget the host and its
            records.
          </p>
        )}
      </ConfirmDialog>
    </section>
  );
}

export function BatchesTable({ batches }: { batches: Batch[] }) {
  if (batches.length === 0) return <p class="muted">No batch yet.</p>;
  return (
    <table class="table">
      <caption>Import, repair and smoke batches, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Batch</th>
          <th scope="col">Kind</th>
          <th scope="col">Provider</th>
          <th scope="col">Status</th>
          <th scope="col">Counts</th>
          <th scope="col">By</th>
          <th scope="col">Started</th>
        </tr>
      </thead>
      <tbody>
        {batches.map((batch) => (
          <tr key={batch.batch_id}>
            <td>
              <code>{batch.batch_id}</code>
            </td>
            <td>{batch.kind}</td>
            <td>{batch.provider_id ?? '—'}</td>
            <td>
              <StatusBadge status={batch.status} />
            </td>
            <td>
              {Object.entries(batch.summary.counts ?? {})
                .map(([status, n]) => `${n} ${status}`)
                .join(', ') || '—'}
            </td>
            <td>{batch.actor}</td>
            <td>
              <Time at={batch.created_at} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
