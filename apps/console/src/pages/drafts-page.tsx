import { useState } from 'preact/hooks';
import { api, withQuery } from '../api.ts';
import { ErrorNote, Loading, Note, StatusBadge, Time } from '../components/feedback.tsx';
import { useAction, useLoad } from '../hooks.ts';
import { Link, navigate } from '../router.tsx';
import type { Draft, Pack, Page, Provider } from '../types.ts';

/** Drafts of provider manifests, and starting a new one from a provider in the packs. */
export function DraftsPage() {
  const drafts = useLoad(
    () => api<Page<Draft>>('GET', withQuery('/api/provider-drafts', { limit: 200 })),
    [],
  );
  return (
    <section>
      <h1>Drafts</h1>
      <p class="lead">
        Edit a provider manifest here, then publish it: the manager writes it into the pack repository as one
        git commit and bumps the pack version.
      </p>
      <ErrorNote error={drafts.error} title="Could not list drafts" />
      {drafts.data === undefined ? (
        <Loading what="drafts" />
      ) : drafts.data.items.length === 0 ? (
        <Note tone="info">No draft yet: start one below.</Note>
      ) : (
        <table class="table">
          <caption>Drafts, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Provider</th>
              <th scope="col">Pack</th>
              <th scope="col">Status</th>
              <th scope="col">Revision</th>
              <th scope="col">Published</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {drafts.data.items.map((draft) => (
              <tr key={draft.draft_id}>
                <td>
                  <Link href={`/drafts/${draft.draft_id}`}>{draft.provider_id}</Link>
                </td>
                <td>{draft.pack_id}</td>
                <td>
                  <StatusBadge status={draft.status} />
                </td>
                <td>{draft.revision}</td>
                <td>
                  {draft.published_version === null ? (
                    '—'
                  ) : (
                    <>
                      {draft.published_version} <code>{draft.published_commit?.slice(0, 12)}</code>
                    </>
                  )}
                </td>
                <td>
                  <Time at={draft.updated_at} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <NewDraftForm />
    </section>
  );
}

function NewDraftForm() {
  const catalog = useLoad(async () => {
    const packs = await api<Page<Pack>>('GET', '/api/packs');
    const pages = await Promise.all(
      packs.items.map((pack) =>
        api<Page<Provider>>('GET', `/api/packs/${encodeURIComponent(pack.id)}/providers`),
      ),
    );
    return pages.flatMap((page) => page.items).filter((provider) => provider.manifest !== null);
  }, []);
  const [base, setBase] = useState('');
  const create = useAction(async () => {
    const provider = catalog.data?.find((item) => `${item.pack_id}/${item.id}` === base) ?? catalog.data?.[0];
    if (provider === undefined || provider.manifest === null) throw new Error('choose a provider');
    return api<Draft>('POST', '/api/provider-drafts', {
      pack_id: provider.pack_id,
      provider_id: provider.id,
      manifest: provider.manifest,
    });
  });
  return (
    <form
      class="card"
      aria-labelledby="new-draft-title"
      onSubmit={async (event) => {
        event.preventDefault();
        const draft = await create.run();
        if (draft !== undefined) navigate(`/drafts/${draft.draft_id}`);
      }}
    >
      <h2 id="new-draft-title">Start a draft</h2>
      {catalog.data === undefined ? (
        <Loading what="providers" />
      ) : (
        <>
          <label for="draft-base">Provider to edit</label>
          <select id="draft-base" value={base} onChange={(event) => setBase(event.currentTarget.value)}>
            {catalog.data.map((provider) => (
              <option key={`${provider.pack_id}/${provider.id}`} value={`${provider.pack_id}/${provider.id}`}>
                {provider.pack_id} / {provider.name ?? provider.id}
              </option>
            ))}
          </select>
          <p class="hint">The draft starts from the manifest as it is in the pack repository now.</p>
        </>
      )}
      <ErrorNote error={create.error} title="Draft not created" />
      <button type="submit" class="button primary" disabled={create.busy || catalog.data === undefined}>
        Start draft
      </button>
    </form>
  );
}
