import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { useAction } from '../hooks.ts';
import type { Host, ImportResult, Manifest, Plan } from '../types.ts';
import { ConfirmDialog } from './confirm-dialog.tsx';
import { ErrorNote, Note, StatusBadge } from './feedback.tsx';
import { countActions, PlanView } from './plan-view.tsx';
import { BatchItemsTable, ClosureView } from './reports.tsx';

/** `key` or `name,key` per line; blank lines ignored. */
export function parseCredentials(text: string): { api_key: string; name?: string }[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const comma = line.indexOf(',');
      if (comma <= 0) return { api_key: line };
      return { name: line.slice(0, comma).trim(), api_key: line.slice(comma + 1).trim() };
    });
}

type Form = {
  credentials: string;
  baseUrl: string;
  models: string[];
  groupName: string;
  rateMultiplier: string;
  createKey: boolean;
  userName: string;
  balance: string;
};

function previewBody(form: Form, host: Host, manifest: Manifest) {
  const options: Record<string, unknown> = {};
  if (form.baseUrl.trim() !== '') options.base_url = form.baseUrl.trim();
  if (form.models.length !== manifest.models.length) options.models = form.models;
  const group: Record<string, unknown> = {};
  if (form.groupName.trim() !== '') group.name = form.groupName.trim();
  if (form.rateMultiplier.trim() !== '') group.rate_multiplier = Number(form.rateMultiplier);
  if (Object.keys(group).length > 0) options.group = group;
  if (form.createKey) {
    options.create_api_key = true;
    if (form.userName.trim() !== '') {
      options.user = {
        name: form.userName.trim(),
        ...(form.balance.trim() === '' ? {} : { balance_usd: form.balance.trim() }),
      };
    }
  }
  return { host_id: host.id, credentials: parseCredentials(form.credentials), options };
}

/** Preview an import as a plan, read it, then apply exactly that plan after a confirmation. */
export function ImportPanel({
  providerId,
  manifest,
  host,
  onImported,
}: {
  providerId: string;
  manifest: Manifest;
  host: Host;
  onImported: () => void;
}) {
  const [form, setForm] = useState<Form>({
    credentials: '',
    baseUrl: '',
    models: manifest.models.map((model) => model.id),
    groupName: '',
    rateMultiplier: '',
    createKey: true,
    userName: `${providerId}-tenant`,
    balance: '',
  });
  const [confirming, setConfirming] = useState(false);
  const preview = useAction(() =>
    api<Plan>('POST', `/api/providers/${providerId}/preview-import`, previewBody(form, host, manifest)),
  );
  const apply = useAction((plan: Plan) =>
    api<ImportResult>('POST', `/api/providers/${providerId}/import`, {
      host_id: host.id,
      plan_id: plan.plan_id,
    }),
  );
  const set = (patch: Partial<Form>) => setForm((previous) => ({ ...previous, ...patch }));
  const plan = preview.result;
  const changes =
    plan === undefined
      ? 0
      : plan.ops.filter((op) => op.action !== 'no-op' && op.action !== 'conflict').length;
  const defaults = manifest.defaults?.group;

  return (
    <section class="card" aria-labelledby="import-title">
      <h2 id="import-title">Import into {host.name}</h2>
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          apply.reset();
          await preview.run();
        }}
      >
        <label for="import-keys">Upstream API keys</label>
        <textarea
          id="import-keys"
          rows={3}
          required
          spellcheck={false}
          autocomplete="off"
          placeholder="sk-…   (one per line; name,sk-… to name the account)"
          value={form.credentials}
          onInput={(event) => set({ credentials: event.currentTarget.value })}
        />
        <p class="hint">Keys are sent to the manager only; the plan and the result show fingerprints.</p>
        <div class="grid">
          <div>
            <label for="import-base-url">Upstream base URL</label>
            <input
              id="import-base-url"
              type="url"
              placeholder={manifest.base_url}
              value={form.baseUrl}
              onInput={(event) => set({ baseUrl: event.currentTarget.value })}
            />
            <p class="hint">Empty: the manifest's URL.</p>
          </div>
          <div>
            <label for="import-group">Group name</label>
            <input
              id="import-group"
              placeholder={defaults?.name ?? providerId}
              value={form.groupName}
              onInput={(event) => set({ groupName: event.currentTarget.value })}
            />
          </div>
          <div>
            <label for="import-rate">Rate multiplier</label>
            <input
              id="import-rate"
              inputMode="decimal"
              placeholder={String(defaults?.rate_multiplier ?? 1)}
              value={form.rateMultiplier}
              onInput={(event) => set({ rateMultiplier: event.currentTarget.value })}
            />
          </div>
        </div>
        <fieldset>
          <legend>Models</legend>
          {manifest.models.map((model) => (
            <label key={model.id} class="check">
              <input
                type="checkbox"
                checked={form.models.includes(model.id)}
                onChange={(event) =>
                  set({
                    models: event.currentTarget.checked
                      ? manifest.models
                          .map((m) => m.id)
                          .filter((id) => id === model.id || form.models.includes(id))
                      : form.models.filter((id) => id !== model.id),
                  })
                }
              />{' '}
              <code>{model.id}</code>
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>Tenant</legend>
          <label class="check">
            <input
              type="checkbox"
              checked={form.createKey}
              onChange={(event) => set({ createKey: event.currentTarget.checked })}
            />{' '}
            Create a tenant user and an API key in the group
          </label>
          {form.createKey && (
            <div class="grid">
              <div>
                <label for="import-user">Tenant user name</label>
                <input
                  id="import-user"
                  value={form.userName}
                  onInput={(event) => set({ userName: event.currentTarget.value })}
                />
              </div>
              <div>
                <label for="import-balance">Opening balance (USD)</label>
                <input
                  id="import-balance"
                  inputMode="decimal"
                  placeholder="0"
                  value={form.balance}
                  onInput={(event) => set({ balance: event.currentTarget.value })}
                />
              </div>
            </div>
          )}
        </fieldset>
        <ErrorNote error={preview.error} title="Preview failed" />
        <div class="actions">
          <button type="submit" class="button primary" disabled={preview.busy}>
            {preview.busy ? 'Reading the host…' : 'Preview import'}
          </button>
        </div>
      </form>

      {plan !== undefined && apply.result === undefined && (
        <>
          <PlanView plan={plan} hostName={host.name} />
          <div class="actions">
            <button type="button" class="button primary" onClick={() => setConfirming(true)}>
              Import…
            </button>
          </div>
        </>
      )}
      <ErrorNote error={apply.error} title="Import failed" />
      {apply.result !== undefined && <ImportResultView result={apply.result} />}

      <ConfirmDialog
        open={confirming && plan !== undefined}
        title={`Import ${providerId} into ${host.name}?`}
        confirmLabel="Import now"
        busy={apply.busy}
        onCancel={() => setConfirming(false)}
        onConfirm={async () => {
          if (plan === undefined) return;
          const result = await apply.run(plan);
          setConfirming(false);
          if (result !== undefined) {
            // The keys are imported: do not leave them in the page.
            set({ credentials: '' });
            onImported();
          }
        }}
      >
        <p>
          This applies plan <code>{plan?.plan_id}</code>:{' '}
          {Object.entries(countActions(plan?.ops ?? []))
            .map(([action, n]) => `${n} ${action}`)
            .join(', ')}
          . {changes} write{changes === 1 ? '' : 's'} to the gateway, each journaled first and labelled as the
          manager's. If the host changed since the preview, the import is refused and you preview again.
        </p>
      </ConfirmDialog>
    </section>
  );
}

function ImportResultView({ result }: { result: ImportResult }) {
  return (
    <section class="report" aria-label="Import result">
      <h3>
        Import <StatusBadge status={result.status} /> <code class="muted">{result.batch_id}</code>
      </h3>
      {result.api_key !== undefined && (
        <Note tone="warn">
          Tenant API key (shown once, never stored): <code class="secret">{result.api_key.secret}</code>
        </Note>
      )}
      {(result.warnings ?? []).map((warning) => (
        <Note key={warning} tone="warn">
          {warning}
        </Note>
      ))}
      <BatchItemsTable items={result.resources} caption="What was written" />
      {result.closure !== undefined && <ClosureView closure={result.closure} title="Access closure now" />}
    </section>
  );
}
