import { api } from '../api.ts';
import { ErrorNote, Loading, OkBadge } from '../components/feedback.tsx';
import { useLoad } from '../hooks.ts';
import { Link } from '../router.tsx';
import type { Pack, Page, Provider } from '../types.ts';

type Catalog = Page<Pack> & { state: string; error: string | null; loaded_at: string | null };

export function ProvidersPage() {
  const catalog = useLoad(async () => {
    const packs = await api<Catalog>('GET', '/api/packs');
    const providers = await Promise.all(
      packs.items.map((pack) =>
        api<Page<Provider>>('GET', `/api/packs/${encodeURIComponent(pack.id)}/providers`),
      ),
    );
    return { packs, providers: providers.map((page) => page.items) };
  }, []);
  return (
    <section>
      <h1>Packs and providers</h1>
      <p class="lead">
        Provider packs kept in git. Open a provider to see its models and prices, preview an import into a
        host, import it, check access, reconcile drift and roll back.
      </p>
      <ErrorNote error={catalog.error} title="Could not load the packs" />
      {catalog.data === undefined ? (
        <Loading what="packs" />
      ) : (
        catalog.data.packs.items.map((pack, index) => (
          <section key={pack.id} class="card" aria-labelledby={`pack-${pack.id}`}>
            <h2 id={`pack-${pack.id}`}>
              {pack.name ?? pack.id}{' '}
              <span class="muted">
                ({pack.id} {pack.version})
              </span>{' '}
              <OkBadge ok={pack.valid} yes="valid" no="invalid" />
            </h2>
            {pack.description !== null && <p>{pack.description}</p>}
            {pack.errors.length > 0 && (
              <ul class="errors">
                {pack.errors.map((error) => (
                  <li key={`${error.file}:${error.field}:${error.code}`}>
                    <code>{error.file}</code> {error.field !== null && <code>{error.field}</code>}:{' '}
                    {error.message}
                  </li>
                ))}
              </ul>
            )}
            <table class="table">
              <caption>Providers in {pack.id}</caption>
              <thead>
                <tr>
                  <th scope="col">Provider</th>
                  <th scope="col">Platform</th>
                  <th scope="col">Models</th>
                  <th scope="col">Prices as of</th>
                </tr>
              </thead>
              <tbody>
                {(catalog.data?.providers[index] ?? []).map((provider) => (
                  <tr key={provider.id}>
                    <td>
                      <Link href={`/providers/${provider.id}`}>{provider.name ?? provider.id}</Link>{' '}
                      {!provider.valid && <OkBadge ok={false} no="invalid" />}
                    </td>
                    <td>{provider.platform ?? '—'}</td>
                    <td>{provider.manifest?.models.map((model) => model.id).join(', ') ?? '—'}</td>
                    <td>{provider.manifest?.pricing_as_of ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        ))
      )}
    </section>
  );
}
