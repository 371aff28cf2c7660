import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from '@relay/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monorepoRoot } from '../../src/config.ts';
import type { FakeGateway } from '../support/fake-gateway.ts';
import { startFakeGateway } from '../support/fake-gateway.ts';
import { ApiClient } from '../support/http.ts';
import type { ManagerProcess } from '../support/manager-process.ts';
import { startManagerProcess } from '../support/manager-process.ts';

const ADMIN_TOKEN = 'e2e-hosts-admin-token-0123456789abcdef';
/** Distinctive so a leak is unambiguous in logs, responses and the database file. */
const GATEWAY_TOKEN = 'gw-admin-PLAINTEXT-MUST-NOT-LEAK-7f3a9c';
const TENANT_KEY = 'sk-relay-TENANT-KEY-MUST-NOT-LEAK-51d0e2';

let manager: ManagerProcess;
let gateway: FakeGateway;
let repo: string;
let api: ApiClient;

beforeAll(async () => {
  // A copy of the built-in packs where the global pack's checksums.txt no longer matches openai.json.
  repo = mkdtempSync(join(tmpdir(), 'relay-manager-packs-'));
  cpSync(join(monorepoRoot(), 'packs'), join(repo, 'packs'), { recursive: true });
  const sums = join(repo, 'packs', 'global', 'checksums.txt');
  writeFileSync(
    sums,
    readFileSync(sums, 'utf8').replace(/^[0-9a-f]{64}(?= {2}providers\/openai\.json$)/m, '0'.repeat(64)),
  );

  [gateway, manager] = await Promise.all([
    startFakeGateway({ adminToken: GATEWAY_TOKEN, apiKey: TENANT_KEY }),
    startManagerProcess({
      MANAGER_ADMIN_TOKEN: ADMIN_TOKEN,
      MANAGER_SECRET_KEY: 'e2e-secret-key-for-host-credentials',
      MANAGER_REPO_ROOT: repo,
      // Long enough that no scheduled probe runs during the test (the probe test asserts on requests).
      MANAGER_PROBE_INTERVAL: '1h',
    }),
  ]);
  api = new ApiClient(manager.url, { authorization: `Bearer ${ADMIN_TOKEN}` });
});

afterAll(async () => {
  await Promise.all([manager?.dispose(), gateway?.close()]);
  if (repo) rmSync(repo, { recursive: true, force: true });
});

let hostId = '';

describe('hosts against a gateway', () => {
  it('refuses an unreachable host with 422 HOST_PROBE_FAILED and the probe report', async () => {
    const closedPort = await freePort();
    const res = await api.request('POST', '/api/hosts', {
      body: { name: 'nowhere', base_url: `http://127.0.0.1:${closedPort}`, admin_token: GATEWAY_TOKEN },
    });
    expect(res.status).toBe(422);
    expect(res.json.error.code).toBe('HOST_PROBE_FAILED');
    const probe = res.json.error.details.probe;
    expect(probe).toMatchObject({ ok: false, reachable: false, auth_ok: false });
    expect(probe.checks.map((c: { name: string }) => c.name)).toEqual([
      'healthz',
      'readyz',
      'capabilities',
      'resource_counts',
    ]);
    expect(probe.checks[0].detail).toMatch(/^unreachable: .*ECONNREFUSED/);
  });

  it('refuses a wrong admin token with 422 and says so in the report', async () => {
    const res = await api.request('POST', '/api/hosts', {
      body: { name: 'wrong-token', base_url: gateway.url, admin_token: 'not-the-gateway-token' },
    });
    expect(res.status).toBe(422);
    const probe = res.json.error.details.probe;
    expect(probe).toMatchObject({ reachable: true, auth_ok: false });
    expect(probe.checks.find((c: { name: string }) => c.name === 'capabilities')).toMatchObject({
      ok: false,
      status: 401,
      detail: expect.stringContaining('INVALID_ADMIN_TOKEN'),
    });
    expect((await api.request('GET', '/api/hosts')).json.items).toEqual([]);
  });

  it('registers a reachable host, storing only a fingerprint of its token', async () => {
    const res = await api.request('POST', '/api/hosts', {
      body: {
        name: 'gw-main',
        base_url: gateway.url,
        admin_token: GATEWAY_TOKEN,
        labels: { region: 'test' },
      },
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      id: expect.stringMatching(/^hst_/),
      name: 'gw-main',
      status: 'active',
      labels: { region: 'test' },
      token_fingerprint: expect.stringMatching(/^sha256:[0-9a-f]{12}$/),
      probe: { ok: true, reachable: true, auth_ok: true, capabilities: { version: '0.1.0-fake' } },
    });
    hostId = res.json.id;
    const metrics = await api.request('GET', '/metrics');
    expect(metrics.text).toMatch(/^active_hosts 1$/m);
  });

  it('probes without writing anything on the gateway', async () => {
    const before = gateway.requests.length;
    const res = await api.request('POST', `/api/hosts/${hostId}/probe`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ ok: true, reachable: true, auth_ok: true });
    expect(res.json.checks.every((c: { ok: boolean }) => c.ok)).toBe(true);
    expect(Object.keys(res.json.resources).sort()).toEqual([
      'account_groups',
      'accounts',
      'api_keys',
      'channels',
      'groups',
      'users',
    ]);
    const during = gateway.requests.slice(before);
    expect(during.length).toBeGreaterThanOrEqual(9);
    expect(during.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(gateway.writes()).toEqual([]);
    const status = await api.request('GET', `/api/hosts/${hostId}/status`);
    expect(status.json).toMatchObject({
      host_id: hostId,
      status: 'active',
      last_probe: { ok: true },
      managed_resources: { total: 0 },
    });
  });

  it('passes the production smoke with a step per check', async () => {
    const res = await api.request('POST', `/api/hosts/${hostId}/smoke`, {
      body: { api_key: TENANT_KEY, models: ['deepseek-chat', 'deepseek-reasoner'] },
    });
    expect(res.status).toBe(200);
    expect(res.json.ok).toBe(true);
    expect(
      res.json.steps.map((s: { name: string; ok: boolean; status: number }) => [s.name, s.ok, s.status]),
    ).toEqual([
      ['models_without_key', true, 401],
      ['models_with_key', true, 200],
      ['chat:deepseek-chat', true, 200],
      ['chat:deepseek-reasoner', true, 200],
    ]);
  });

  it('fails the smoke with a clear report when the answer is wrong or a model is missing', async () => {
    gateway.setAnswer('ping');
    try {
      const res = await api.request('POST', `/api/hosts/${hostId}/smoke`, {
        body: { api_key: TENANT_KEY, models: ['deepseek-chat', 'kimi-k2'] },
      });
      expect(res.status).toBe(200);
      expect(res.json.ok).toBe(false);
      const steps = Object.fromEntries(res.json.steps.map((s: { name: string }) => [s.name, s]));
      expect(steps.models_without_key.ok).toBe(true);
      expect(steps.models_with_key).toMatchObject({
        ok: false,
        detail: expect.stringContaining('missing models: kimi-k2'),
      });
      expect(steps['chat:deepseek-chat']).toMatchObject({
        ok: false,
        status: 200,
        detail: 'expected "pong", got "ping"',
      });
    } finally {
      gateway.setAnswer('pong');
    }
    const wrongKey = await api.request('POST', `/api/hosts/${hostId}/smoke`, {
      body: { api_key: 'sk-relay-wrong' },
    });
    expect(wrongKey.json.ok).toBe(false);
    expect(wrongKey.json.steps[1]).toMatchObject({ name: 'models_with_key', ok: false, status: 401 });
    expect(wrongKey.json.steps[2]).toMatchObject({
      name: 'chat',
      ok: false,
      detail: expect.stringContaining('no model'),
    });
  });

  it('answers 422 SMOKE_KEY_REQUIRED without a key (no smoke key recorded for the host)', async () => {
    const res = await api.request('POST', `/api/hosts/${hostId}/smoke`);
    expect(res.status).toBe(422);
    expect(res.json.error.code).toBe('SMOKE_KEY_REQUIRED');
  });

  it('runs one mutating operation per host: a second one gets 409 HOST_BUSY until the first ends', async () => {
    const gate = gateway.holdChat();
    const smoke = api.request('POST', `/api/hosts/${hostId}/smoke`, { body: { api_key: TENANT_KEY } });
    try {
      await gate.arrived;
      const patch = await api.request('PATCH', `/api/hosts/${hostId}`, {
        body: { name: 'renamed-while-busy' },
      });
      expect(patch.status).toBe(409);
      expect(patch.json.error).toMatchObject({ code: 'HOST_BUSY', details: { operation: 'host.smoke' } });
      const del = await api.request('DELETE', `/api/hosts/${hostId}`);
      expect(del.status).toBe(409);
      expect(del.json.error.code).toBe('HOST_BUSY');
      const second = await api.request('POST', `/api/hosts/${hostId}/smoke`, {
        body: { api_key: TENANT_KEY },
      });
      expect(second.json.error.code).toBe('HOST_BUSY');
      const status = await api.request('GET', `/api/hosts/${hostId}/status`);
      expect(status.json.lease).toMatchObject({ operation: 'host.smoke' });
      // Reads and probes are not blocked.
      expect((await api.request('POST', `/api/hosts/${hostId}/probe`)).status).toBe(200);
    } finally {
      gate.release();
    }
    expect((await smoke).json.ok).toBe(true);
    const patch = await api.request('PATCH', `/api/hosts/${hostId}`, { body: { name: 'renamed' } });
    expect(patch.status).toBe(200);
    expect(patch.json.name).toBe('renamed');
    expect((await api.request('GET', `/api/hosts/${hostId}/status`)).json.lease).toBeNull();
  });

  it('rotates the token (probing it first)', async () => {
    const before = (await api.request('GET', `/api/hosts/${hostId}`)).json.token_fingerprint;
    const wrong = await api.request('PATCH', `/api/hosts/${hostId}`, {
      body: { admin_token: 'rotated-but-wrong' },
    });
    expect(wrong.status).toBe(422);
    expect((await api.request('GET', `/api/hosts/${hostId}`)).json.token_fingerprint).toBe(before);
  });
});

describe('packs', () => {
  it('lists packs with validity, and the broken pack with errors naming the file and field', async () => {
    const res = await api.request('GET', '/api/packs');
    expect(res.status).toBe(200);
    expect(res.json.state).toBe('loaded');
    const byId = Object.fromEntries(res.json.items.map((p: { id: string }) => [p.id, p]));
    expect(byId.cn).toMatchObject({ valid: true, importable: true, provider_count: 5, errors: [] });
    expect(byId.global).toMatchObject({ valid: false, importable: false, provider_count: 3 });
    expect(byId.global.errors).toEqual([
      expect.objectContaining({
        file: 'packs/global/checksums.txt',
        field: 'providers/openai.json',
        code: 'CHECKSUM_MISMATCH',
      }),
    ]);
    const metrics = await api.request('GET', '/metrics');
    expect(metrics.text).toMatch(/^active_providers 5$/m);
  });

  it('shows a pack, its providers and a provider by id', async () => {
    const pack = await api.request('GET', '/api/packs/cn');
    expect(pack.json.providers.map((p: { id: string }) => p.id)).toEqual([
      'deepseek',
      'moonshot',
      'qwen',
      'siliconflow',
      'zhipu',
    ]);
    const providers = await api.request('GET', '/api/packs/cn/providers');
    expect(providers.json.items[0]).toMatchObject({
      id: 'deepseek',
      pack_id: 'cn',
      valid: true,
      manifest: { id: 'deepseek' },
    });
    const provider = await api.request('GET', '/api/providers/openai');
    expect(provider.json).toMatchObject({ id: 'openai', pack_id: 'global', pack_valid: false });
    expect((await api.request('GET', '/api/providers/nope')).status).toBe(404);
    expect((await api.request('GET', '/api/packs/nope')).status).toBe(404);
  });

  it('re-validates on reload', async () => {
    const deepseek = join(repo, 'packs', 'cn', 'providers', 'deepseek.json');
    writeFileSync(deepseek, readFileSync(deepseek, 'utf8').replace('"name": "', '"name": "Edited '));
    const res = await api.request('POST', '/api/packs/reload');
    expect(res.status).toBe(200);
    const cn = res.json.items.find((p: { id: string }) => p.id === 'cn');
    expect(cn.valid).toBe(false);
    expect(cn.errors[0]).toMatchObject({
      file: 'packs/cn/checksums.txt',
      field: 'providers/deepseek.json',
      code: 'CHECKSUM_MISMATCH',
    });
    expect((await api.request('GET', '/metrics')).text).toMatch(/^active_providers 0$/m);
  });
});

describe('secrets', () => {
  it('deletes a host (no managed resources recorded)', async () => {
    expect((await api.request('DELETE', `/api/hosts/${hostId}`)).status).toBe(204);
    // Register again so the database holds a live encrypted token when it is inspected below.
    const again = await api.request('POST', '/api/hosts', {
      body: { name: 'gw-again', base_url: gateway.url, admin_token: GATEWAY_TOKEN },
    });
    expect(again.status).toBe(201);
  });

  it('never shows the host token or the tenant key in responses, logs or the SQLite files', async () => {
    await manager.stop();
    const responses = api.seen.join('\n');
    const logs = manager.proc.stdout + manager.proc.stderr;
    expect(logs).toContain('host registered');
    const files = [manager.dbPath, `${manager.dbPath}-wal`, `${manager.dbPath}-shm`].filter((f) =>
      existsSync(f),
    );
    const database = Buffer.concat(files.map((f) => readFileSync(f)));
    expect(database.length).toBeGreaterThan(0);
    // Sanity check of the scan itself: the non-secret host name is found in the same bytes.
    expect(database.includes('gw-again')).toBe(true);
    for (const secret of [GATEWAY_TOKEN, TENANT_KEY, ADMIN_TOKEN]) {
      expect(responses.includes(secret), `response leaks ${secret}`).toBe(false);
      expect(logs.includes(secret), `log leaks ${secret}`).toBe(false);
      expect(database.includes(secret), `database leaks ${secret}`).toBe(false);
      expect(database.includes(Buffer.from(secret, 'utf16le')), `database leaks ${secret} (utf16)`).toBe(
        false,
      );
    }
    await waitFor(() => manager.proc.exitInfo !== undefined);
    expect(manager.proc.exitInfo).toEqual({ code: 0, signal: null });
  });
});
