import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { ErrorNote, Loading, Note } from '../components/feedback.tsx';
import { ImportPanel } from '../components/import-panel.tsx';
import { LifecyclePanel } from '../components/lifecycle-panel.tsx';
import { useLoad } from '../hooks.ts';
import { Link } from '../router.tsx';
import type { Host, Manifest, Page, Provider } from '../types.ts';

function price(value: number | undefined): string {
  return value === undefined ? '—' : `$${value}`;
}

export function ProviderPage({ providerId }: { providerId: string }) {
  const provider = useLoad(
    () => api<Provider>('GET', `/api/providers/${encodeURIComponent(providerId)}`),
    [providerId],
  );
  const hosts = useLoad(() => api<Page<Host>>('GET', '/api/hosts?limit=200'), []);
  const [hostId, setHostId] = useState<string>(new URLSearchParams(location.search).get('host') ?? '');
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    const first = hosts.data?.items[0];
    if (hostId === '' && first !== undefined) setHostId(first.id);
  }, [hosts.data, hostId]);

  if (provider.data === undefined) {
    return provider.error !== undefined ? (
      <ErrorNote error={provider.error} title="Provider not found" />
    ) : (
      <Loading what="the provider" />
    );
  }
  const p = provider.data;
  const manifest = p.manifest;
  const host = hosts.data?.items.find((item) => item.id === hostId);
  return (
    <section>
      <p class="crumbs">
        <Link href="/providers">Packs and providers</Link> › {p.pack_id} › {p.name ?? p.id}
      </p>
      <h1>{p.name ?? p.id}</h1>
      {manifest === null ? (
        <ErrorNote error={new Error(p.errors.map((e) => e.message).join('; '))} title="Invalid manifest" />
      ) : (
        <ProviderFacts manifest={manifest} packId={p.pack_id} />
      )}

      <section class="card" aria-labelledby="target-title">
        <h2 id="target-title">Target host</h2>
        {hosts.data === undefined ? (
          <Loading what="hosts" />
        ) : hosts.data.items.length === 0 ? (
          <Note tone="info">
            No host registered yet: <Link href="/hosts">register one</Link> first.
          </Note>
        ) : (
          <>
            <label for="target-host">Host</label>
            <select
              id="target-host"
              value={hostId}
              onChange={(event) => setHostId(event.currentTarget.value)}
            >
              {hosts.data.items.map((item) => (
                <option key={item.id} value={item.id}>
                  {item.name} ({item.base_url}, {item.status})
                </option>
              ))}
            </select>
          </>
        )}
      </section>

      {manifest !== null && host !== undefined && (
        <>
          <ImportPanel
            key={`import-${host.id}`}
            providerId={p.id}
            manifest={manifest}
            host={host}
            onImported={() => setGeneration((g) => g + 1)}
          />
          <LifecyclePanel key={`life-${host.id}`} providerId={p.id} host={host} generation={generation} />
        </>
      )}
    </section>
  );
}

function ProviderFacts({ manifest, packId }: { manifest: Manifest; packId: string }) {
  return (
    <>
      <dl class="facts">
        <dt>Pack</dt>
        <dd>{packId}</dd>
        <dt>Platform</dt>
        <dd>{manifest.platform}</dd>
        <dt>Upstream base URL</dt>
        <dd>
          <code>{manifest.base_url}</code>
        </dd>
        {manifest.docs_url !== undefined && (
          <>
            <dt>Documentation</dt>
            <dd>
              <a href={manifest.docs_url} target="_blank" rel="noopener noreferrer">
                {manifest.docs_url}
              </a>
            </dd>
          </>
        )}
        <dt>Pricing source</dt>
        <dd>
          {manifest.pricing_source === undefined ? (
            '—'
          ) : (
            <a href={manifest.pricing_source} target="_blank" rel="noopener noreferrer">
              {manifest.pricing_source}
            </a>
          )}{' '}
          {manifest.pricing_as_of !== undefined && <span>(as of {manifest.pricing_as_of})</span>}
        </dd>
      </dl>
      <table class="table">
        <caption>Models and prices (USD per 1M tokens)</caption>
        <thead>
          <tr>
            <th scope="col">Model</th>
            <th scope="col">Name</th>
            <th scope="col">Context</th>
            <th scope="col">Input</th>
            <th scope="col">Output</th>
            <th scope="col">Cache read</th>
            <th scope="col">Cache write</th>
          </tr>
        </thead>
        <tbody>
          {manifest.models.map((model) => (
            <tr key={model.id}>
              <td>
                <code>{model.id}</code>
              </td>
              <td>{model.display_name ?? ''}</td>
              <td>{model.context_window?.toLocaleString() ?? '—'}</td>
              <td>{price(model.price.input)}</td>
              <td>{price(model.price.output)}</td>
              <td>{price(model.price.cache_read)}</td>
              <td>{price(model.price.cache_write)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
