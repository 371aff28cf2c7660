import { useState } from 'preact/hooks';
import { ApiError, api } from '../api.ts';
import { ErrorNote, Loading, Note, StatusBadge, Time } from '../components/feedback.tsx';
import { ProbeReportView } from '../components/reports.tsx';
import { useAction, useLoad } from '../hooks.ts';
import { Link } from '../router.tsx';
import type { Host, Page, ProbeReport } from '../types.ts';

export function HostsPage() {
  const hosts = useLoad(() => api<Page<Host>>('GET', '/api/hosts?limit=200'), []);
  return (
    <section>
      <h1>Hosts</h1>
      <p class="lead">
        Gateways this manager imports providers into. Registering one probes it first: its health, its admin
        API and the admin token.
      </p>
      <ErrorNote error={hosts.error} title="Could not list hosts" />
      {hosts.data === undefined ? (
        <Loading what="hosts" />
      ) : hosts.data.items.length === 0 ? (
        <Note tone="info">No host yet: register your first gateway below.</Note>
      ) : (
        <table class="table">
          <caption>Registered hosts</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Base URL</th>
              <th scope="col">Status</th>
              <th scope="col">Gateway</th>
              <th scope="col">Last probe</th>
              <th scope="col">Admin token</th>
            </tr>
          </thead>
          <tbody>
            {hosts.data.items.map((host) => (
              <tr key={host.id}>
                <td>
                  <Link href={`/hosts/${host.id}`}>{host.name}</Link>
                </td>
                <td>
                  <code>{host.base_url}</code>
                </td>
                <td>
                  <StatusBadge status={host.status} />
                </td>
                <td>{host.version ?? '—'}</td>
                <td>
                  <Time at={host.last_probe_at} />
                </td>
                <td>
                  <code>{host.token_fingerprint}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <RegisterHostForm onRegistered={hosts.reload} />
    </section>
  );
}

function RegisterHostForm({ onRegistered }: { onRegistered: () => void }) {
  const [name, setName] = useState('');
  const [baseUrl, setBaseUrl] = useState('');
  const [token, setToken] = useState('');
  const register = useAction(() =>
    api<Host & { probe: ProbeReport }>('POST', '/api/hosts', { name, base_url: baseUrl, admin_token: token }),
  );
  const refusedProbe =
    register.error instanceof ApiError && register.error.code === 'HOST_PROBE_FAILED'
      ? (register.error.details as { probe?: ProbeReport } | undefined)?.probe
      : undefined;
  return (
    <form
      class="card"
      aria-labelledby="register-title"
      onSubmit={async (event) => {
        event.preventDefault();
        const host = await register.run();
        if (host !== undefined) {
          setToken('');
          onRegistered();
        }
      }}
    >
      <h2 id="register-title">Register a host</h2>
      <div class="grid">
        <div>
          <label for="host-name">Name</label>
          <input
            id="host-name"
            required
            maxLength={100}
            placeholder="prod-eu-1"
            value={name}
            onInput={(event) => setName(event.currentTarget.value)}
          />
        </div>
        <div>
          <label for="host-url">Gateway base URL</label>
          <input
            id="host-url"
            required
            type="url"
            placeholder="http://127.0.0.1:8080"
            value={baseUrl}
            onInput={(event) => setBaseUrl(event.currentTarget.value)}
          />
        </div>
        <div>
          <label for="host-token">Gateway admin token</label>
          <input
            id="host-token"
            required
            type="password"
            autocomplete="off"
            value={token}
            onInput={(event) => setToken(event.currentTarget.value)}
          />
          <p class="hint">Stored encrypted; shown afterwards only as a fingerprint.</p>
        </div>
      </div>
      <ErrorNote error={register.error} title="Host not registered" />
      {refusedProbe !== undefined && <ProbeReportView probe={refusedProbe} />}
      {register.result !== undefined && (
        <Note tone="ok">
          Registered <Link href={`/hosts/${register.result.id}`}>{register.result.name}</Link>: the probe
          passed.
        </Note>
      )}
      <button type="submit" class="button primary" disabled={register.busy}>
        {register.busy ? 'Probing…' : 'Probe and register'}
      </button>
    </form>
  );
}
