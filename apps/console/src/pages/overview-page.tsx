import { api, withQuery } from '../api.ts';
import { Badge, ErrorNote, Loading, Note, OkBadge, StatusBadge, Time } from '../components/feedback.tsx';
import { useLoad } from '../hooks.ts';
import { Link } from '../router.tsx';
import type { Host, HostOverview, Page } from '../types.ts';
import { BatchesTable } from './host-page.tsx';

type Attention = { key: string; hostId: string; text: string };

/** What an operator should look at first, host by host. */
function needsAttention(host: Host, overview: HostOverview | undefined): Attention[] {
  const items: Attention[] = [];
  if (host.status !== 'active') {
    items.push({
      key: `${host.id}:status`,
      hostId: host.id,
      text: `${host.name} is ${host.status} (last probe failed)`,
    });
  }
  const hostDrift = overview?.last_reconcile?.drift ?? 0;
  if (hostDrift > 0) {
    items.push({
      key: `${host.id}:drift`,
      hostId: host.id,
      text: `${host.name}: ${hostDrift} drifted resource${hostDrift === 1 ? '' : 's'} at the last host-wide reconcile`,
    });
  }
  for (const provider of overview?.providers ?? []) {
    if (provider.closure !== null && !provider.closure.ok) {
      items.push({
        key: `${host.id}:${provider.provider_id}:closure`,
        hostId: host.id,
        text: `${provider.provider_id} on ${host.name}: access closure broken`,
      });
    }
    const drift = provider.last_reconcile?.drift ?? 0;
    if (drift > 0 && provider.last_reconcile?.mode === 'report') {
      items.push({
        key: `${host.id}:${provider.provider_id}:drift`,
        hostId: host.id,
        text: `${provider.provider_id} on ${host.name}: ${drift} drifted resource${drift === 1 ? '' : 's'} at the last reconcile`,
      });
    }
  }
  return items;
}

export function OverviewPage() {
  const data = useLoad(async () => {
    const hosts = (await api<Page<Host>>('GET', '/api/hosts?limit=200')).items;
    const overviews = await Promise.all(
      hosts.map((host) =>
        api<HostOverview>('GET', withQuery('/api/status', { host_id: host.id })).catch(() => undefined),
      ),
    );
    return hosts.map((host, index) => ({ host, overview: overviews[index] }));
  }, []);

  if (data.data === undefined) {
    return data.error !== undefined ? <ErrorNote error={data.error} /> : <Loading what="the overview" />;
  }
  const attention = data.data.flatMap(({ host, overview }) => needsAttention(host, overview));
  return (
    <section>
      <h1>Overview</h1>
      {data.data.length === 0 ? (
        <Note tone="info">
          Welcome. Start by <Link href="/hosts">registering a gateway host</Link>, then import a provider from{' '}
          <Link href="/providers">Packs and providers</Link>.
        </Note>
      ) : (
        <>
          <section aria-labelledby="attention-title" class="card">
            <h2 id="attention-title">Needs attention</h2>
            {attention.length === 0 ? (
              <p>
                <Badge tone="ok">all clear</Badge> Every host answers, every imported provider routes, no
                drift at the last reconcile.
              </p>
            ) : (
              <ul class="attention">
                {attention.map((item) => (
                  <li key={item.key}>
                    <Link href={`/hosts/${item.hostId}`}>{item.text}</Link>
                  </li>
                ))}
              </ul>
            )}
          </section>
          {data.data.map(({ host, overview }) => (
            <section key={host.id} class="card" aria-labelledby={`host-${host.id}`}>
              <h2 id={`host-${host.id}`}>
                <Link href={`/hosts/${host.id}`}>{host.name}</Link> <StatusBadge status={host.status} />
              </h2>
              <p class="muted">
                <code>{host.base_url}</code> · gateway {host.version ?? '?'} · probed{' '}
                <Time at={host.last_probe_at} />
                {overview?.last_reconcile != null && (
                  <>
                    {' '}
                    · last reconcile <Time at={overview.last_reconcile.created_at} /> (
                    {overview.last_reconcile.drift} drift)
                  </>
                )}
              </p>
              {overview === undefined || overview.providers.length === 0 ? (
                <p class="muted">No provider imported.</p>
              ) : (
                <table class="table">
                  <caption>Providers imported on {host.name}</caption>
                  <thead>
                    <tr>
                      <th scope="col">Provider</th>
                      <th scope="col">Resources</th>
                      <th scope="col">Access closure</th>
                      <th scope="col">Last reconcile</th>
                      <th scope="col">Last batch</th>
                    </tr>
                  </thead>
                  <tbody>
                    {overview.providers.map((provider) => (
                      <tr key={provider.provider_id}>
                        <td>
                          <Link href={`/providers/${provider.provider_id}?host=${host.id}`}>
                            {provider.provider_id}
                          </Link>
                        </td>
                        <td>{Object.values(provider.resources).reduce((a, b) => a + b, 0)}</td>
                        <td>
                          {provider.closure === null ? (
                            '—'
                          ) : (
                            <OkBadge ok={provider.closure.ok} yes="complete" no="broken" />
                          )}
                        </td>
                        <td>
                          {provider.last_reconcile === null ? (
                            <span class="muted">never</span>
                          ) : (
                            <>
                              {provider.last_reconcile.drift} drift,{' '}
                              <Time at={provider.last_reconcile.created_at} />
                            </>
                          )}
                        </td>
                        <td>
                          {provider.last_batch === null ? (
                            '—'
                          ) : (
                            <>
                              {provider.last_batch.kind} <StatusBadge status={provider.last_batch.status} />
                            </>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
              {overview !== undefined && overview.recent_batches.length > 0 && (
                <details>
                  <summary>Recent batches ({overview.recent_batches.length})</summary>
                  <BatchesTable batches={overview.recent_batches} />
                </details>
              )}
            </section>
          ))}
        </>
      )}
    </section>
  );
}
