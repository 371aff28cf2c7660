import { useEffect, useState } from 'preact/hooks';
import { ApiError, api } from '../api.ts';
import { ConfirmDialog } from '../components/confirm-dialog.tsx';
import { ErrorNote, Loading, Note, StatusBadge, Time } from '../components/feedback.tsx';
import { useAction } from '../hooks.ts';
import { getPath, numberFromText, setPath } from '../manifest-paths.ts';
import { Link } from '../router.tsx';
import type { Draft, FieldError, PublishResult } from '../types.ts';

type Manifest = Record<string, unknown>;

const TEXT_FIELDS = [
  ['name', 'Display name'],
  ['base_url', 'Upstream base URL'],
  ['docs_url', 'Documentation URL'],
  ['pricing_source', 'Pricing source URL'],
  ['pricing_as_of', 'Prices as of (YYYY-MM-DD)'],
] as const;

const PRICE_FIELDS = [
  ['input', 'Input'],
  ['output', 'Output'],
  ['cache_read', 'Cache read'],
  ['cache_write', 'Cache write'],
] as const;

/** Field errors of a 422, by manifest path (`models.0.price.input`). */
function fieldErrors(error: Error | undefined): FieldError[] {
  if (!(error instanceof ApiError) || error.status !== 422) return [];
  const details = error.details as { errors?: FieldError[] } | undefined;
  return details?.errors ?? [];
}

/** The message without the field path it may start with: the error already sits at its field. */
function withoutField(error: FieldError): string {
  const prefix = `${error.field}: `;
  return error.field !== null && error.message.startsWith(prefix)
    ? error.message.slice(prefix.length)
    : error.message;
}

function manifestPath(field: string | null): string | null {
  if (field === null) return null;
  return field.startsWith('manifest.') ? field.slice('manifest.'.length) : field;
}

export function DraftPage({ draftId }: { draftId: string }) {
  const [draft, setDraft] = useState<Draft | undefined>();
  const [manifest, setManifest] = useState<Manifest | undefined>();
  const [loadError, setLoadError] = useState<Error | undefined>();
  const [dirty, setDirty] = useState(false);
  const [json, setJson] = useState<string | undefined>();
  const [jsonError, setJsonError] = useState<string | undefined>();
  const [confirmPublish, setConfirmPublish] = useState(false);

  const load = async () => {
    try {
      const fresh = await api<Draft>('GET', `/api/provider-drafts/${draftId}`);
      setDraft(fresh);
      setManifest(fresh.manifest);
      setDirty(false);
      setJson(undefined);
      setLoadError(undefined);
    } catch (error) {
      setLoadError(error instanceof Error ? error : new Error(String(error)));
    }
  };
  useEffect(() => {
    void load();
  }, [draftId]);

  const save = useAction(async (revision: number) => {
    const saved = await api<Draft>('PUT', `/api/provider-drafts/${draftId}`, { manifest, revision });
    setDraft(saved);
    setManifest(saved.manifest);
    setDirty(false);
    return saved;
  });
  const publish = useAction(async () => {
    const result = await api<PublishResult>('POST', `/api/provider-drafts/${draftId}/publish`);
    const fresh = await api<Draft>('GET', `/api/provider-drafts/${draftId}`);
    setDraft(fresh);
    return result;
  });

  if (draft === undefined || manifest === undefined) {
    return loadError !== undefined ? (
      <ErrorNote error={loadError} title="Draft not found" />
    ) : (
      <Loading what="the draft" />
    );
  }

  const conflict =
    save.error instanceof ApiError && save.error.code === 'DRAFT_REVISION_CONFLICT'
      ? ((save.error.details as { current_revision?: number } | undefined)?.current_revision ??
        draft.revision + 1)
      : undefined;
  const errors = [...fieldErrors(save.error), ...fieldErrors(publish.error)];
  const errorsAt = (path: string) => errors.filter((error) => manifestPath(error.field) === path);
  const shownPaths = new Set<string>([
    ...TEXT_FIELDS.map(([path]) => path),
    ...((manifest.models as unknown[] | undefined) ?? []).flatMap((_, index) => [
      `models.${index}.id`,
      `models.${index}.display_name`,
      ...PRICE_FIELDS.map(([key]) => `models.${index}.price.${key}`),
    ]),
  ]);
  const elsewhere = errors.filter((error) => {
    const path = manifestPath(error.field);
    return path === null || !shownPaths.has(path);
  });
  const edit = (path: string, value: unknown) => {
    setManifest(setPath(manifest, path, value));
    setDirty(true);
    setJson(undefined);
  };
  const models = (manifest.models as { id?: string }[] | undefined) ?? [];

  const field = (path: string, label: string, kind: 'text' | 'number') => {
    const id = `field-${path.replace(/\./g, '-')}`;
    const problems = errorsAt(path);
    const value = getPath(manifest, path);
    return (
      <div key={path}>
        <label for={id}>{label}</label>
        <input
          id={id}
          inputMode={kind === 'number' ? 'decimal' : undefined}
          value={value === undefined || value === null ? '' : String(value)}
          aria-invalid={problems.length > 0 ? 'true' : undefined}
          aria-describedby={problems.length > 0 ? `${id}-error` : undefined}
          onInput={(event) => {
            const text = event.currentTarget.value;
            edit(path, kind === 'number' ? numberFromText(text) : text === '' ? undefined : text);
          }}
        />
        {problems.length > 0 && (
          <p id={`${id}-error`} class="field-error">
            {problems.map((problem) => withoutField(problem)).join('; ')}
          </p>
        )}
      </div>
    );
  };

  return (
    <section>
      <p class="crumbs">
        <Link href="/drafts">Drafts</Link> › {draft.pack_id} / {draft.provider_id}
      </p>
      <h1>
        Draft: {draft.provider_id} <StatusBadge status={draft.status} />
      </h1>
      <p class="muted">
        Pack <code>{draft.pack_id}</code> · revision {draft.revision} · saved <Time at={draft.updated_at} />
        {dirty && <strong> · unsaved changes</strong>}
      </p>

      {conflict !== undefined && (
        <div class="note note-warn" role="alert">
          <strong>Someone saved this draft meanwhile</strong> (it is now at revision {conflict}; you edited
          revision {draft.revision}).
          <div class="actions">
            <button
              type="button"
              class="button"
              onClick={() => {
                save.reset();
                void load();
              }}
            >
              Load their version (discard my edits)
            </button>
            <button type="button" class="button primary" onClick={() => save.run(conflict)}>
              Keep my edits and save over theirs
            </button>
          </div>
        </div>
      )}
      {errors.length > 0 && (
        <div class="note note-error" role="alert">
          <strong>
            {errors.length} problem{errors.length === 1 ? '' : 's'} in the manifest
          </strong>
          : fix the fields marked below.
          {elsewhere.length > 0 && (
            <ul>
              {elsewhere.map((error) => (
                <li key={`${error.field}:${error.code}`}>
                  {error.field !== null && <code>{error.field}</code>} {error.message}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {conflict === undefined && errors.length === 0 && <ErrorNote error={save.error} title="Not saved" />}

      <form
        class="card"
        aria-label="Manifest"
        onSubmit={(event) => {
          event.preventDefault();
          void save.run(draft.revision);
        }}
      >
        <h2>Provider</h2>
        <div class="grid">{TEXT_FIELDS.map(([path, label]) => field(path, label, 'text'))}</div>
        <h2>Models and prices (USD per 1M tokens)</h2>
        {models.map((model, index) => (
          <fieldset key={`model-${index}`}>
            <legend>Model {model.id || index + 1}</legend>
            <div class="grid">
              {field(`models.${index}.id`, 'Model id', 'text')}
              {field(`models.${index}.display_name`, 'Display name', 'text')}
            </div>
            <div class="grid">
              {PRICE_FIELDS.map(([key, label]) =>
                field(`models.${index}.price.${key}`, `${label} price`, 'number'),
              )}
            </div>
            <button
              type="button"
              class="button small"
              onClick={() =>
                edit(
                  'models',
                  models.filter((_, at) => at !== index),
                )
              }
            >
              Remove model {model.id || index + 1}
            </button>
          </fieldset>
        ))}
        <div class="actions">
          <button
            type="button"
            class="button"
            onClick={() => edit('models', [...models, { id: '', price: { input: 0, output: 0 } }])}
          >
            Add a model
          </button>
        </div>
        <details>
          <summary>Edit the whole manifest as JSON</summary>
          <label for="draft-json">Manifest JSON</label>
          <textarea
            id="draft-json"
            rows={16}
            spellcheck={false}
            value={json ?? JSON.stringify(manifest, null, 2)}
            onInput={(event) => setJson(event.currentTarget.value)}
          />
          {jsonError !== undefined && <p class="field-error">{jsonError}</p>}
          <button
            type="button"
            class="button small"
            onClick={() => {
              try {
                const parsed = JSON.parse(json ?? JSON.stringify(manifest)) as unknown;
                if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
                  throw new Error('the manifest must be a JSON object');
                }
                setManifest(parsed as Manifest);
                setDirty(true);
                setJson(undefined);
                setJsonError(undefined);
              } catch (error) {
                setJsonError(error instanceof Error ? error.message : String(error));
              }
            }}
          >
            Use this JSON
          </button>
        </details>
        <div class="actions">
          <button type="submit" class="button primary" disabled={save.busy || !dirty}>
            {save.busy ? 'Saving…' : 'Save draft'}
          </button>
          <button
            type="button"
            class="button"
            disabled={dirty || publish.busy}
            title={dirty ? 'Save first' : undefined}
            onClick={() => {
              publish.reset();
              setConfirmPublish(true);
            }}
          >
            Publish…
          </button>
        </div>
      </form>

      {save.result !== undefined && !dirty && conflict === undefined && (
        <Note tone="ok">Saved as revision {save.result.revision}.</Note>
      )}
      {errors.length === 0 && <ErrorNote error={publish.error} title="Not published" />}
      {publish.result !== undefined && (
        <section class="note note-ok" role="status" aria-label="Publish result">
          Published {publish.result.provider_id}: pack <code>{publish.result.pack_id}</code> is now version{' '}
          <strong>{publish.result.pack_version}</strong>, commit <code>{publish.result.commit}</code>.
        </section>
      )}

      <ConfirmDialog
        open={confirmPublish}
        title={`Publish ${draft.provider_id} into pack ${draft.pack_id}?`}
        confirmLabel="Publish"
        busy={publish.busy}
        onCancel={() => setConfirmPublish(false)}
        onConfirm={async () => {
          await publish.run();
          setConfirmPublish(false);
        }}
      >
        <p>
          The manager writes{' '}
          <code>
            packs/{draft.pack_id}/providers/{draft.provider_id}.json
          </code>
          , bumps the pack's patch version, rewrites its checksums, validates the pack and commits, all or
          nothing. It does not push.
        </p>
      </ConfirmDialog>
    </section>
  );
}
