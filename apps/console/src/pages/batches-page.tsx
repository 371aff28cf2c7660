import { useState } from 'preact/hooks';
import { api, withQuery } from '../api.ts';
import { parseBatchInput } from '../batch-input.ts';
import { ErrorNote, Loading, Note, StatusBadge, Time } from '../components/feedback.tsx';
import { useAction, useLoad } from '../hooks.ts';
import { Link, navigate } from '../router.tsx';
import type { BatchRun, Host, Pack, Page, Provider } from '../types.ts';

/** Batch-import runs: many upstream keys of one provider into one host, item by item. */
export function BatchesPage() {
  const runs = useLoad(
    () => api<Page<BatchRun>>('GET', withQuery('/api/batch-import/runs', { limit: 50 })),
    [],
  );
  return (
    <section>
      <h1>Batch import</h1>
      <p class="lead">
        Import many upstream API keys of one provider into one host. Each key becomes an account bound to the
        provider's group; with verification each is tried upstream first, and a refused key fails with the
        reason.
      </p>
      <NewRunForm />
      <h2>Runs</h2>
      <ErrorNote error={runs.error} title="Could not list runs" />
      {runs.data === undefined ? (
        <Loading what="runs" />
      ) : runs.data.items.length === 0 ? (
        <p class="muted">No run yet.</p>
      ) : (
        <table class="table">
          <caption>Batch runs, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Provider</th>
              <th scope="col">Status</th>
              <th scope="col">Progress</th>
              <th scope="col">Failed</th>
              <th scope="col">Started</th>
            </tr>
          </thead>
          <tbody>
            {runs.data.items.map((run) => (
              <tr key={run.run_id}>
                <td>
                  <Link href={`/batches/${run.run_id}`}>{run.run_id}</Link>
                </td>
                <td>{run.provider_id}</td>
                <td>
                  <StatusBadge status={run.status} />
                </td>
                <td>
                  {run.progress.done} / {run.progress.total}
                </td>
                <td>{run.counts.failed}</td>
                <td>
                  <Time at={run.created_at} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function NewRunForm() {
  const choices = useLoad(async () => {
    const [hosts, packs] = await Promise.all([
      api<Page<Host>>('GET', '/api/hosts?limit=200'),
      api<Page<Pack>>('GET', '/api/packs'),
    ]);
    const providers = (
      await Promise.all(
        packs.items.map((pack) =>
          api<Page<Provider>>('GET', `/api/packs/${encodeURIComponent(pack.id)}/providers`),
        ),
      )
    ).flatMap((page) => page.items);
    return { hosts: hosts.items, providers };
  }, []);
  const [hostId, setHostId] = useState('');
  const [providerId, setProviderId] = useState('');
  const [keys, setKeys] = useState('');
  const [verify, setVerify] = useState(true);
  const [baseUrl, setBaseUrl] = useState('');
  const items = parseBatchInput(keys);
  const start = useAction(() => {
    const host = hostId || choices.data?.hosts[0]?.id;
    const provider = providerId || choices.data?.providers[0]?.id;
    return api<BatchRun>('POST', '/api/batch-import/runs', {
      host_id: host,
      provider_id: provider,
      items,
      options: { verify, ...(baseUrl.trim() === '' ? {} : { base_url: baseUrl.trim() }) },
    });
  });

  if (choices.data === undefined) return <Loading what="hosts and providers" />;
  if (choices.data.hosts.length === 0) {
    return (
      <Note tone="info">
        Register a host first under <Link href="/hosts">Hosts</Link>.
      </Note>
    );
  }
  return (
    <form
      class="card"
      aria-labelledby="new-run-title"
      onSubmit={async (event) => {
        event.preventDefault();
        const run = await start.run();
        if (run !== undefined) {
          setKeys('');
          navigate(`/batches/${run.run_id}`);
        }
      }}
    >
      <h2 id="new-run-title">New batch run</h2>
      <div class="grid">
        <div>
          <label for="batch-host">Host</label>
          <select id="batch-host" value={hostId} onChange={(event) => setHostId(event.currentTarget.value)}>
            {choices.data.hosts.map((host) => (
              <option key={host.id} value={host.id}>
                {host.name} ({host.status})
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="batch-provider">Provider</label>
          <select
            id="batch-provider"
            value={providerId}
            onChange={(event) => setProviderId(event.currentTarget.value)}
          >
            {choices.data.providers.map((provider) => (
              <option key={provider.id} value={provider.id}>
                {provider.pack_id} / {provider.name ?? provider.id}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="batch-base-url">Upstream base URL</label>
          <input
            id="batch-base-url"
            type="url"
            placeholder="the provider's"
            value={baseUrl}
            onInput={(event) => setBaseUrl(event.currentTarget.value)}
          />
        </div>
      </div>
      <label for="batch-keys">Upstream API keys</label>
      <textarea
        id="batch-keys"
        rows={6}
        required
        spellcheck={false}
        autocomplete="off"
        placeholder={'sk-…\nteam-a,sk-…\n(or CSV with a header: name,api_key)'}
        value={keys}
        onInput={(event) => setKeys(event.currentTarget.value)}
      />
      <label for="batch-file">Or upload a file (lines or CSV)</label>
      <input
        id="batch-file"
        type="file"
        accept=".csv,.txt,text/csv,text/plain"
        onChange={async (event) => {
          const file = event.currentTarget.files?.[0];
          if (file !== undefined) setKeys(await file.text());
        }}
      />
      <p class="hint">
        {items.length} key{items.length === 1 ? '' : 's'} read. Keys go to the manager only; runs show
        fingerprints.
      </p>
      <label class="check">
        <input
          type="checkbox"
          checked={verify}
          onChange={(event) => setVerify(event.currentTarget.checked)}
        />{' '}
        Verify each key upstream (a refused key fails its item and its account is disabled)
      </label>
      <ErrorNote error={start.error} title="Run not started" />
      <div class="actions">
        <button type="submit" class="button primary" disabled={start.busy || items.length === 0}>
          Start batch run
        </button>
      </div>
    </form>
  );
}
