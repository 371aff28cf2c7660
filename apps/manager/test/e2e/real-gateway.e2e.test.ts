import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AdminClient } from '@relay/admin-client';
import { createAdminClient } from '@relay/admin-client';
import type { ManagedProcess, MockUpstream } from '@relay/testkit';
import { freePort, startMockUpstream, startTsxProcess } from '@relay/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/http.ts';
import type { ManagerProcess } from '../support/manager-process.ts';
import { startManagerProcess } from '../support/manager-process.ts';

/** The gateway app of this monorepo, started as its own process (embedded PGlite in a temp dir). */
const GATEWAY_ENTRY = fileURLToPath(new URL('../../../gateway/src/serve.ts', import.meta.url));
const MANAGER_TOKEN = 'e2e-real-gateway-manager-token-0123';
const GATEWAY_TOKEN = 'e2e-real-gateway-admin-token-0123456789';

let gatewayDir: string;
let gateway: ManagedProcess;
let upstream: MockUpstream;
let manager: ManagerProcess;
let api: ApiClient;
let admin: AdminClient;

beforeAll(async () => {
  gatewayDir = mkdtempSync(join(tmpdir(), 'relay-manager-real-gw-'));
  const port = await freePort();
  [gateway, upstream, manager] = await Promise.all([
    startTsxProcess(
      GATEWAY_ENTRY,
      {
        NODE_ENV: 'test',
        GATEWAY_PORT: String(port),
        GATEWAY_HOST: '127.0.0.1',
        GATEWAY_ADMIN_TOKEN: GATEWAY_TOKEN,
        GATEWAY_SECRET_KEY: 'e2e-real-gateway-secret-key-0123456789',
        GATEWAY_DATA_DIR: join(gatewayDir, 'data'),
        DATABASE_URL: undefined,
        REDIS_URL: undefined,
        LOG_LEVEL: 'warn',
      },
      { readyUrl: `http://127.0.0.1:${port}/healthz`, timeoutMs: 60_000 },
    ),
    startMockUpstream(),
    startManagerProcess({ MANAGER_ADMIN_TOKEN: MANAGER_TOKEN, MANAGER_PROBE_INTERVAL: '1h' }),
  ]);
  api = new ApiClient(manager.url, { authorization: `Bearer ${MANAGER_TOKEN}` });
  admin = createAdminClient({ baseUrl: gateway.url ?? '', token: GATEWAY_TOKEN });
}, 90_000);

afterAll(async () => {
  await Promise.all([manager?.dispose(), gateway?.stop(), upstream?.close()]);
  if (gatewayDir) rmSync(gatewayDir, { recursive: true, force: true });
});

describe('the manager against a real gateway process', () => {
  let hostId = '';

  it('refuses the gateway with a wrong admin token (422 with the probe report)', async () => {
    const res = await api.request('POST', '/api/hosts', {
      body: { name: 'real-wrong', base_url: gateway.url, admin_token: 'not-the-gateway-token' },
    });
    expect(res.status).toBe(422);
    expect(res.json.error.details.probe).toMatchObject({ reachable: true, auth_ok: false });
  });

  it('registers the gateway, then probes it without changing its audit log', async () => {
    const created = await api.request('POST', '/api/hosts', {
      body: { name: 'real-gateway', base_url: gateway.url, admin_token: GATEWAY_TOKEN },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ status: 'active', probe: { ok: true } });
    hostId = created.json.id;

    const auditBefore = await admin.auditEvents.listAll();
    const probe = await api.request('POST', `/api/hosts/${hostId}/probe`);
    expect(probe.status).toBe(200);
    expect(probe.json).toMatchObject({ ok: true, reachable: true, auth_ok: true });
    expect(probe.json.resources.users).toEqual({ count: 0, truncated: false });
    expect(await admin.auditEvents.listAll()).toEqual(auditBefore);
  });

  it('passes the production smoke through a key bound to a group with an account on the mock upstream', async () => {
    const user = await admin.users.create({ name: 'smoke-user', balance_usd: '100' });
    const group = await admin.groups.create({ name: 'smoke-group', platform: 'openai' });
    const account = await admin.accounts.create({
      name: 'smoke-account',
      platform: 'openai',
      base_url: `${upstream.url}/v1`,
      credential: upstream.apiKey,
      models: ['gpt-4o-mini'],
    });
    await admin.accountGroups.create({ account_id: account.id, group_id: group.id });
    const key = await admin.apiKeys.create({ name: 'smoke-key', user_id: user.id, group_id: group.id });

    const pass = await api.request('POST', `/api/hosts/${hostId}/smoke`, {
      body: { api_key: key.secret, models: ['gpt-4o-mini'] },
    });
    expect(pass.status).toBe(200);
    expect(pass.json.steps).toEqual([
      expect.objectContaining({ name: 'models_without_key', ok: true, status: 401 }),
      expect.objectContaining({ name: 'models_with_key', ok: true, status: 200 }),
      expect.objectContaining({ name: 'chat:gpt-4o-mini', ok: true, status: 200, detail: 'answered pong' }),
    ]);
    expect(pass.json.ok).toBe(true);

    // The seed incident: the binding is gone, /v1/models may still answer, completions cannot.
    const bindings = await admin.accountGroups.listAll({ group_id: group.id });
    for (const binding of bindings) await admin.accountGroups.delete(binding.id);
    const fail = await api.request('POST', `/api/hosts/${hostId}/smoke`, {
      body: { api_key: key.secret, models: ['gpt-4o-mini'] },
    });
    expect(fail.json.ok).toBe(false);
    expect(fail.json.steps[2]).toMatchObject({
      name: 'chat:gpt-4o-mini',
      ok: false,
      status: 503,
      detail: expect.stringContaining('NO_AVAILABLE_ACCOUNTS'),
    });
    expect(JSON.stringify(api.seen)).not.toContain(key.secret);
  });
});
