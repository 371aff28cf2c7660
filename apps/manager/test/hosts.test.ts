import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../src/ids.ts';
import type { FakeGateway } from './support/fake-gateway.ts';
import { startFakeGateway } from './support/fake-gateway.ts';
import type { TestManager } from './support/test-services.ts';
import { bearer, readJson, testManager } from './support/test-services.ts';

let m: TestManager;
let gw: FakeGateway;
beforeAll(async () => {
  [m, gw] = await Promise.all([testManager(), startFakeGateway()]);
});
afterAll(async () => {
  await Promise.all([m.close(), gw.close()]);
});
afterEach(() => {
  m.services.store.database.sqlite.exec('DELETE FROM hosts; DELETE FROM host_leases;');
});

const headers = { ...bearer, 'content-type': 'application/json' };
const call = async (method: string, path: string, body?: unknown) => {
  const res = await m.app.request(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
};
const register = (name = 'gw-1', token = gw.adminToken) =>
  call('POST', '/api/hosts', { name, base_url: `${gw.url}/`, admin_token: token });

/** Records a managed resource on the host, as an import would. */
function recordResource(hostId: string): void {
  const now = Date.now();
  const batchId = newId('bat');
  m.services.store.batches.insert({
    id: batchId,
    hostId,
    kind: 'import',
    status: 'succeeded',
    actor: 'test',
    summary: {},
    createdAt: now,
  });
  m.services.store.resources.insert({
    id: newId('res'),
    hostId,
    batchId,
    providerId: 'deepseek',
    type: 'group',
    naturalKey: 'deepseek',
    remoteId: 'grp_1',
    status: 'created',
    ownedFields: {},
    createdAt: now,
    updatedAt: now,
  });
}

describe('hosts', () => {
  it('registers, lists and gets a host showing the token only as a fingerprint', async () => {
    const created = await register();
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'gw-1',
      base_url: gw.url,
      status: 'active',
      version: '0.1.0-fake',
      token_fingerprint: expect.stringMatching(/^sha256:[0-9a-f]{12}$/),
      probe: { ok: true, reachable: true, auth_ok: true },
    });
    const list = await call('GET', '/api/hosts');
    expect(list.body.items.map((h: { id: string }) => h.id)).toEqual([created.body.id]);
    const got = await call('GET', `/api/hosts/${created.body.id}`);
    expect(got.body.name).toBe('gw-1');
    expect(JSON.stringify([created, list, got])).not.toContain(gw.adminToken);
  });

  it('refuses a duplicate name or base URL with 409', async () => {
    await register('gw-1');
    expect((await register('gw-1')).status).toBe(409);
    const sameUrl = await register('gw-2');
    expect(sameUrl.status).toBe(409);
    expect(sameUrl.body.error.details.field).toBe('base_url');
  });

  it('refuses a wrong token with 422 HOST_PROBE_FAILED and the report', async () => {
    const res = await register('gw-1', 'wrong-token');
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('HOST_PROBE_FAILED');
    expect(res.body.error.details.probe).toMatchObject({ reachable: true, auth_ok: false });
    expect((await call('GET', '/api/hosts')).body.items).toEqual([]);
  });

  it('refuses base URLs with credentials or a query', async () => {
    for (const base_url of ['http://u:p@127.0.0.1:1', 'http://127.0.0.1:1/?x=1', 'ftp://127.0.0.1']) {
      const res = await call('POST', '/api/hosts', { name: 'x', base_url, admin_token: 't' });
      expect(res.status, base_url).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
    }
  });

  it('rotates the token after probing the new one, and refuses a wrong new token', async () => {
    const { body: host } = await register();
    const refused = await call('PATCH', `/api/hosts/${host.id}`, { admin_token: 'not-the-token' });
    expect(refused.status).toBe(422);
    expect((await call('GET', `/api/hosts/${host.id}`)).body.token_fingerprint).toBe(host.token_fingerprint);
    const renamed = await call('PATCH', `/api/hosts/${host.id}`, {
      name: 'renamed',
      labels: { env: 'prod' },
    });
    expect(renamed.body).toMatchObject({
      name: 'renamed',
      labels: { env: 'prod' },
      token_fingerprint: host.token_fingerprint,
    });
    const empty = await call('PATCH', `/api/hosts/${host.id}`, {});
    expect(empty.status).toBe(400);
  });

  it('refuses to delete a host with recorded resources unless forced', async () => {
    const { body: host } = await register();
    recordResource(host.id);
    const refused = await call('DELETE', `/api/hosts/${host.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: 'HOST_HAS_RESOURCES',
      details: { recorded_resources: 1 },
    });
    const status = await call('GET', `/api/hosts/${host.id}/status`);
    expect(status.body.managed_resources).toEqual({ total: 1, by_provider: { deepseek: { group: 1 } } });
    expect((await call('DELETE', `/api/hosts/${host.id}?force=true`)).status).toBe(204);
    expect((await call('GET', `/api/hosts/${host.id}`)).status).toBe(404);
  });

  it('deletes a host without resources', async () => {
    const { body: host } = await register();
    expect((await call('DELETE', `/api/hosts/${host.id}`)).status).toBe(204);
    expect((await call('DELETE', `/api/hosts/${host.id}`)).status).toBe(404);
  });

  it('probes with GETs only and stores the result in the status', async () => {
    const { body: host } = await register();
    gw.setReady(false);
    const before = gw.writes().length;
    try {
      const probe = await call('POST', `/api/hosts/${host.id}/probe`);
      expect(probe.body).toMatchObject({ ok: false, reachable: true, auth_ok: true });
      expect(probe.body.checks.find((c: { name: string }) => c.name === 'readyz')).toMatchObject({
        ok: false,
        status: 503,
      });
      expect((await call('GET', `/api/hosts/${host.id}`)).body.status).toBe('degraded');
    } finally {
      gw.setReady(true);
    }
    expect(gw.writes().length).toBe(before);
    const status = await call('GET', `/api/hosts/${host.id}/status`);
    expect(status.body).toMatchObject({
      status: 'degraded',
      last_probe: { ok: false },
      lease: null,
      closure: { ok: true, providers: [] },
    });
  });

  it('runs the smoke with a given key, and answers 422 SMOKE_KEY_REQUIRED without one', async () => {
    const { body: host } = await register();
    const noKey = await m.app.request(`/api/hosts/${host.id}/smoke`, { method: 'POST', headers: bearer });
    expect(noKey.status).toBe(422);
    expect((await readJson(noKey)).error.code).toBe('SMOKE_KEY_REQUIRED');
    const smoke = await call('POST', `/api/hosts/${host.id}/smoke`, { api_key: gw.apiKey });
    expect(smoke.status).toBe(200);
    expect(smoke.body).toMatchObject({ ok: true, models: ['deepseek-chat'] });
    expect(JSON.stringify(smoke.body)).not.toContain(gw.apiKey);
    expect((await call('GET', `/api/hosts/${host.id}/status`)).body.last_smoke).toMatchObject({ ok: true });
  });

  it('feeds active_hosts from the probes', async () => {
    const { body: host } = await register();
    const metrics = await (await m.app.request('/metrics')).text();
    expect(metrics).toMatch(/^active_hosts 1$/m);
    expect(metrics).toContain(`relay_manager_host_up{host_id="${host.id}",host_name="gw-1"} 1`);
    expect(metrics).toMatch(
      /^relay_manager_operations_total\{operation="host.register",outcome="ok"\} [1-9]\d*$/m,
    );
  });

  it('probes every host on schedule', async () => {
    const { body: host } = await register();
    const before = m.services.store.probeResults.latest(host.id, 'probe')?.id;
    await m.services.hosts.probeAll();
    expect(m.services.store.probeResults.latest(host.id, 'probe')?.id).not.toBe(before);
  });
});
