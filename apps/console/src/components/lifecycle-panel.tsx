import { useState } from 'preact/hooks';
import { api, withQuery } from '../api.ts';
import { useAction, useLoad } from '../hooks.ts';
import type {
  AccessRepair,
  Closure,
  Host,
  ManagedResource,
  Page,
  ReconcileRun,
  RollbackResult,
  SmokeResult,
} from '../types.ts';
import { ConfirmDialog } from './confirm-dialog.tsx';
import { Badge, ErrorNote, Loading, Note, StatusBadge, Time } from './feedback.tsx';
import { BatchItemsTable, ClosureView, SmokeView } from './reports.tsx';

/** Resource statuses that count as "recorded": what a rollback deletes. */
const RECORDED = new Set(['pending', 'created', 'adopted', 'unknown']);

/** After an import: smoke, access closure, drift, rollback: each one button, each showing what it found. */
export function LifecyclePanel({
  providerId,
  host,
  generation,
}: {
  providerId: string;
  host: Host;
  generation: number;
}) {
  const resources = useLoad(
    async () =>
      (
        await api<Page<ManagedResource>>(
          'GET',
          withQuery('/api/resources', { host_id: host.id, provider_id: providerId, limit: 500 }),
        )
      ).items.filter((resource) => RECORDED.has(resource.status)),
    [host.id, providerId, generation],
  );
  const smoke = useAction(() => api<SmokeResult>('POST', `/api/hosts/${host.id}/smoke`, {}));
  const access = useAction(() =>
    api<Closure>('GET', withQuery('/api/access', { host_id: host.id, provider_id: providerId })),
  );
  const accessRepair = useAction(() =>
    api<AccessRepair>('POST', '/api/access/repair', { host_id: host.id, provider_id: providerId }),
  );
  const reconcile = useAction((mode: 'report' | 'repair') =>
    api<ReconcileRun>('POST', '/api/reconcile', { host_id: host.id, provider_id: providerId, mode }),
  );
  const rollback = useAction(() =>
    api<RollbackResult>('POST', `/api/providers/${providerId}/rollback`, { host_id: host.id }),
  );
  const [confirm, setConfirm] = useState<'rollback' | 'repair' | undefined>();
  const recorded = resources.data ?? [];
  const after = async <T,>(promise: Promise<T>) => {
    const value = await promise;
    resources.reload();
    return value;
  };

  return (
    <section class="card" aria-labelledby="lifecycle-title">
      <h2 id="lifecycle-title">
        {providerId} on {host.name}
      </h2>
      {resources.data === undefined ? (
        <Loading what="recorded resources" />
      ) : (
        <p>
          The manager records <strong>{recorded.length}</strong> resource{recorded.length === 1 ? '' : 's'} of{' '}
          {providerId} on this host.
        </p>
      )}

      <h3>Smoke test</h3>
      <p class="hint">
        Calls the gateway as a tenant: <code>/v1/models</code> without and with a key, then asks a model to
        reply with <code>pong</code>.
      </p>
      <div class="actions">
        <button type="button" class="button" disabled={smoke.busy} onClick={() => after(smoke.run())}>
          {smoke.busy ? 'Running smoke test…' : 'Run smoke test'}
        </button>
      </div>
      <ErrorNote error={smoke.error} title="Smoke test failed" />
      {smoke.result !== undefined && <SmokeView smoke={smoke.result} />}

      <h3>Access</h3>
      <p class="hint">Whether each of the provider's groups can route: accounts bound, prices present.</p>
      <div class="actions">
        <button type="button" class="button" disabled={access.busy} onClick={() => access.run()}>
          {access.busy ? 'Checking…' : 'Check access'}
        </button>
        <button
          type="button"
          class="button"
          disabled={accessRepair.busy}
          onClick={async () => {
            await after(accessRepair.run());
            access.reset();
          }}
        >
          {accessRepair.busy ? 'Repairing…' : 'Repair access'}
        </button>
      </div>
      <ErrorNote error={access.error} title="Access check failed" />
      <ErrorNote error={accessRepair.error} title="Access repair failed" />
      {access.result !== undefined && <ClosureView closure={access.result} title="Access closure" />}
      {accessRepair.result !== undefined && (
        <>
          <Note tone="ok">
            Access repair recreated {accessRepair.result.repaired.length} binding
            {accessRepair.result.repaired.length === 1 ? '' : 's'}.
          </Note>
          <ClosureView closure={accessRepair.result.access} title="Access closure after repair" />
        </>
      )}

      <h3>Drift</h3>
      <p class="hint">
        Compares what the manager recorded with the live host. A check changes nothing; a repair recreates
        missing resources and restores changed fields (never touching what it did not create).
      </p>
      <div class="actions">
        <button
          type="button"
          class="button"
          disabled={reconcile.busy}
          onClick={() => reconcile.run('report')}
        >
          {reconcile.busy ? 'Comparing…' : 'Check for drift'}
        </button>
        <button type="button" class="button" disabled={reconcile.busy} onClick={() => setConfirm('repair')}>
          Repair drift…
        </button>
      </div>
      <ErrorNote error={reconcile.error} title="Reconcile failed" />
      {reconcile.result !== undefined && <ReconcileView run={reconcile.result} />}

      <h3>Roll back</h3>
      <p class="hint">
        Deletes exactly what the manager recorded for {providerId} on this host, newest first.
      </p>
      <div class="actions">
        <button type="button" class="button danger" onClick={() => setConfirm('rollback')}>
          Roll back…
        </button>
      </div>
      <ErrorNote error={rollback.error} title="Rollback refused" />
      {rollback.result !== undefined && (
        <section class="report" aria-label="Rollback result">
          <p>
            Rollback <StatusBadge status={rollback.result.status} />
          </p>
          <BatchItemsTable
            items={rollback.result.resources.map((item) => ({
              type: item.type,
              natural_key: item.natural_key,
              action: 'delete',
              status: item.result,
              remote_id: item.remote_id,
              ...(item.error === undefined ? {} : { error: item.error }),
            }))}
            caption="What the rollback did"
          />
        </section>
      )}

      <ConfirmDialog
        open={confirm === 'repair'}
        title={`Repair drift of ${providerId} on ${host.name}?`}
        confirmLabel="Repair"
        busy={reconcile.busy}
        onCancel={() => setConfirm(undefined)}
        onConfirm={async () => {
          await after(reconcile.run('repair'));
          setConfirm(undefined);
        }}
      >
        <p>
          Missing resources are recreated and changed owned fields restored, under a new repair batch. Orphans
          and conflicts are reported only.
        </p>
      </ConfirmDialog>
      <ConfirmDialog
        open={confirm === 'rollback'}
        title={`Roll back ${providerId} on ${host.name}?`}
        confirmLabel={`Delete ${recorded.length} resource${recorded.length === 1 ? '' : 's'}`}
        danger
        busy={rollback.busy}
        onCancel={() => setConfirm(undefined)}
        onConfirm={async () => {
          await after(rollback.run());
          setConfirm(undefined);
        }}
      >
        {recorded.length === 0 ? (
          <p>The manager records nothing for {providerId} on this host: there is nothing to roll back.</p>
        ) : (
          <>
            <p>These resources will be deleted from the gateway:</p>
            <table class="table compact">
              <caption>Resources to delete</caption>
              <thead>
                <tr>
                  <th scope="col">Type</th>
                  <th scope="col">Natural key</th>
                  <th scope="col">Remote id</th>
                </tr>
              </thead>
              <tbody>
                {recorded.map((resource) => (
                  <tr key={resource.id}>
                    <td>{resource.type}</td>
                    <td>
                      <code>{resource.natural_key}</code>
                    </td>
                    <td>
                      <code>{resource.remote_id ?? '—'}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </ConfirmDialog>
    </section>
  );
}

const KIND_HELP: Record<string, string> = {
  missing: 'recorded, gone from the host',
  modified: 'owned fields differ',
  orphaned: 'carries our labels, not recorded',
  conflict: 'the natural key is held by something not ours',
};

export function ReconcileView({ run }: { run: ReconcileRun }) {
  return (
    <section class="report" aria-label="Reconcile result">
      <p>
        {run.mode === 'report' ? 'Drift check' : 'Drift repair'} <StatusBadge status={run.status} /> ·{' '}
        <Time at={run.created_at} /> · run <code>{run.run_id}</code>
      </p>
      {run.drift.length === 0 ? (
        <Note tone="ok">No drift: the host matches the record.</Note>
      ) : (
        <table class="table">
          <caption>
            {run.drift.length} drifted resource{run.drift.length === 1 ? '' : 's'}
          </caption>
          <thead>
            <tr>
              <th scope="col">Kind</th>
              <th scope="col">Type</th>
              <th scope="col">Natural key</th>
              <th scope="col">Difference</th>
            </tr>
          </thead>
          <tbody>
            {run.drift.map((drift) => (
              <tr key={`${drift.kind}:${drift.type}:${drift.natural_key}`}>
                <td>
                  <Badge tone={drift.kind === 'missing' || drift.kind === 'modified' ? 'warn' : 'bad'}>
                    {drift.kind}
                  </Badge>
                </td>
                <td>{drift.type}</td>
                <td>
                  <code>{drift.natural_key}</code>
                  {drift.remote_id !== undefined && <div class="muted">{drift.remote_id}</div>}
                </td>
                <td>
                  {drift.fields === undefined ? (
                    <span class="muted">{KIND_HELP[drift.kind]}</span>
                  ) : (
                    <ul class="plain changes">
                      {drift.fields.map((field) => (
                        <li key={field.field}>
                          <code>{field.field}</code>: expected <ins>{JSON.stringify(field.expected)}</ins>,
                          found <del>{JSON.stringify(field.actual)}</del>
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {run.mode === 'repair' && (
        <Note tone={run.repaired.length > 0 ? 'ok' : 'info'}>
          Repaired {run.repaired.length}:{' '}
          {run.repaired.map((r) => `${r.type} ${r.natural_key} (${r.status})`).join(', ') || 'nothing'}
          {run.repair_batch_id !== null && (
            <>
              {' '}
              · batch <code>{run.repair_batch_id}</code>
            </>
          )}
        </Note>
      )}
    </section>
  );
}
