import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AdminClient } from '@relay/admin-client';
import { createAdminClient } from '@relay/admin-client';
import type { ManagedProcess, MockUpstream } from '@relay/testkit';
import { freePort, startMockUpstream, startTsxProcess, waitFor } from '@relay/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/http.ts';
import type { ManagerProcess } from '../support/manager-process.ts';
import { startManagerProcess } from '../support/manager-process.ts';
import type { TestManager } from '../support/test-services.ts';
import { bearer, TestClock, testManager } from '../support/test-services.ts';
import { DroppingProxy } from './support/dropping-proxy.ts';

/**
 * The import lifecycle end to end (issue 6): the real gateway process (embedded PGlite), the real manager
 * process, the testkit mock upstream as DeepSeek, and a proxy between manager and gateway that can lose an
 * answer after the write went through. The steps build on each other, in order.
 */

const GATEWAY_ENTRY = fileURLToPath(new URL('../../../gateway/src/serve.ts', import.meta.url));
const MANAGER_TOKEN = 'e2e-import-lifecycle-manager-token-0123';
const GATEWAY_TOKEN = 'e2e-import-lifecycle-admin-token-0123456789';
const MANAGED = 'relay.manager/managed-by';

let gatewayDir: string;
let gateway: ManagedProcess;
let upstream: MockUpstream;
let proxy: DroppingProxy;
let manager: ManagerProcess;
let api: ApiClient;
let admin: AdminClient;
let hostId = '';

type Listings = Awaited<ReturnType<typeof listings>>;

/** Every admin listing of the gateway except audit and usage: what "the gateway as it was" means here. */
async function listings() {
  const [users, groups, accounts, accountGroups, apiKeys, channels, channelGroups, prices] =
    await Promise.all([
      admin.users.listAll(),
      admin.groups.listAll(),
      admin.accounts.listAll(),
      admin.accountGroups.listAll(),
      admin.apiKeys.listAll(),
      admin.channels.listAll(),
      admin.channelGroups.listAll(),
      admin.prices.listAll(),
    ]);
  return { users, groups, accounts, accountGroups, apiKeys, channels, channelGroups, prices };
}

function idsOf(l: Listings): Set<string> {
  return new Set(Object.values(l).flatMap((items) => items.map((item: { id: string }) => item.id)));
}

/** Resources in `after` that are not in `before`, with their labels. */
function added(before: Listings, after: Listings) {
  const known = idsOf(before);
  return Object.values(after)
    .flat()
    .filter((item: { id: string }) => !known.has(item.id)) as {
    id: string;
    labels: Record<string, string>;
  }[];
}

async function auditCount(): Promise<number> {
  return (await admin.auditEvents.listAll()).length;
}

function importBody(extra: Record<string, unknown> = {}) {
  return {
    host_id: hostId,
    credentials: [{ api_key: upstream.apiKey, name: 'deepseek-mock' }],
    options: {
      base_url: `${upstream.url}/v1`,
      create_api_key: true,
      user: { name: 'acme', balance_usd: '5' },
      ...extra,
    },
  };
}

beforeAll(async () => {
  gatewayDir = mkdtempSync(join(tmpdir(), 'relay-manager-imports-gw-'));
  const port = await freePort();
  [gateway, upstream, manager] = await Promise.all([
    startTsxProcess(
      GATEWAY_ENTRY,
      {
        NODE_ENV: 'test',
        GATEWAY_PORT: String(port),
        GATEWAY_HOST: '127.0.0.1',
        GATEWAY_ADMIN_TOKEN: GATEWAY_TOKEN,
        GATEWAY_SECRET_KEY: 'e2e-import-lifecycle-secret-key-0123456789',
        GATEWAY_DATA_DIR: join(gatewayDir, 'data'),
        DATABASE_URL: undefined,
        REDIS_URL: undefined,
        LOG_LEVEL: 'warn',
      },
      { readyUrl: `http://127.0.0.1:${port}/healthz`, timeoutMs: 60_000 },
    ),
    startMockUpstream(),
    startManagerProcess({
      MANAGER_ADMIN_TOKEN: MANAGER_TOKEN,
      MANAGER_PROBE_INTERVAL: '1h',
      MANAGER_RECONCILE_INTERVAL: '1h',
      LOG_LEVEL: 'info',
    }),
  ]);
  proxy = new DroppingProxy(gateway.url ?? '');
  await proxy.start();
  api = new ApiClient(manager.url, { authorization: `Bearer ${MANAGER_TOKEN}` });
  admin = createAdminClient({ baseUrl: gateway.url ?? '', token: GATEWAY_TOKEN });

  // Someone else's resources, which every step must leave exactly as they are.
  const user = await admin.users.create({ name: 'someone-else', balance_usd: '3' });
  const group = await admin.groups.create({ name: 'someone-elses-group', platform: 'openai' });
  await admin.apiKeys.create({ name: 'theirs', user_id: user.id, group_id: group.id });
  await admin.prices.create({ model: 'their-model', input: '1', output: '2' });

  const host = await api.request('POST', '/api/hosts', {
    body: { name: 'gateway-behind-proxy', base_url: proxy.url, admin_token: GATEWAY_TOKEN },
  });
  expect(host.status).toBe(201);
  hostId = host.json.id;
}, 90_000);

afterAll(async () => {
  await Promise.all([manager?.dispose(), gateway?.stop(), upstream?.close(), proxy?.close()]);
  if (gatewayDir) rmSync(gatewayDir, { recursive: true, force: true });
});

describe('the provider import lifecycle against a real gateway', () => {
  let before: Listings;
  let planId = '';
  let batchId = '';
  let tenantKey = '';

  it('previews the DeepSeek import without writing anything to the gateway', async () => {
    before = await listings();
    const audit = await auditCount();
    const seen = proxy.seen.length;

    const res = await api.request('POST', '/api/providers/deepseek/preview-import', { body: importBody() });
    expect(res.status).toBe(200);
    const plan = res.json;
    planId = plan.plan_id;
    expect(plan).toMatchObject({ host_id: hostId, provider_id: 'deepseek', pack_id: 'cn' });
    expect(plan.snapshot_hash).toMatch(/^sha256:/);
    expect(
      plan.ops.map((op: { action: string; type: string; natural_key: string }) => [
        op.action,
        op.type,
        op.natural_key,
      ]),
    ).toEqual([
      ['create', 'user', 'user:acme'],
      ['create', 'group', 'deepseek'],
      ['create', 'account', expect.stringMatching(/^deepseek#sha256:[0-9a-f]{12}$/)],
      ['create', 'account_group', expect.stringMatching(/^deepseek#sha256:[0-9a-f]{12}→deepseek$/)],
      ['create', 'price', 'price:deepseek-chat'],
      ['create', 'price', 'price:deepseek-reasoner'],
      ['create', 'api_key', 'key:deepseek'],
    ]);
    const account = plan.ops.find((op: { type: string }) => op.type === 'account');
    expect(account.after).toMatchObject({
      base_url: `${upstream.url}/v1`,
      models: ['deepseek-chat', 'deepseek-reasoner'],
      credential_fingerprint: 'sk-…ream',
    });
    expect(plan.closure.ok).toBe(true);
    expect(res.text).not.toContain(upstream.apiKey);

    expect(proxy.writes(seen)).toEqual([]);
    expect(await listings()).toEqual(before);
    expect(await auditCount()).toBe(audit);
  });

  it('imports exactly the planned resources, labelled, and the host smoke passes with a smoke key it creates', async () => {
    const res = await api.request('POST', '/api/providers/deepseek/import', {
      body: { host_id: hostId, plan_id: planId },
    });
    expect(res.status).toBe(201);
    const batch = res.json;
    batchId = batch.batch_id;
    expect(batch.status).toBe('succeeded');
    expect(batch.resources.map((r: { status: string }) => r.status)).toEqual(Array(7).fill('created'));
    expect(batch.closure).toMatchObject({
      ok: true,
      groups: [{ natural_key: 'deepseek', ok: true, missing: [] }],
    });
    expect(batch.api_key).toMatchObject({
      natural_key: 'key:deepseek',
      secret: expect.stringMatching(/^sk-relay-/),
    });
    tenantKey = batch.api_key.secret;

    const after = await listings();
    const created = added(before, after);
    expect(created.map((r) => r.id).sort()).toEqual(
      batch.resources.map((r: { remote_id: string }) => r.remote_id).sort(),
    );
    for (const resource of created) {
      expect(resource.labels).toMatchObject({
        [MANAGED]: 'relay-manager',
        'relay.manager/batch': batchId,
        'relay.manager/provider': 'deepseek',
        'relay.manager/key': expect.any(String),
      });
    }
    expect(after.groups.find((g) => g.name === 'deepseek')).toMatchObject({
      rate_multiplier: '1',
      platform: 'openai',
    });
    expect(after.prices.find((p) => p.model === 'deepseek-chat')).toMatchObject({
      input: '0.28',
      output: '0.42',
      cache_read: '0.028',
    });

    // The journal: one confirmed write per resource, each with its deterministic Idempotency-Key.
    const stored = await api.request('GET', `/api/import-batches/${batchId}`);
    expect(stored.json.journal).toHaveLength(7);
    for (const entry of stored.json.journal) {
      expect(entry).toMatchObject({
        action: 'create',
        state: 'confirmed',
        idempotency_key: expect.stringContaining(batchId),
      });
    }
    expect(stored.text).not.toContain(tenantKey);
    expect(stored.text).not.toContain(upstream.apiKey);

    // The tenant key works (the user was funded), and the smoke creates and records its own key.
    const chat = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenantKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'deepseek-chat',
        messages: [{ role: 'user', content: 'reply with pong only' }],
      }),
    });
    expect(chat.status).toBe(200);
    const smoke = await api.request('POST', `/api/hosts/${hostId}/smoke`, { body: {} });
    expect(smoke.status).toBe(200);
    expect(smoke.json.steps).toEqual([
      expect.objectContaining({ name: 'models_without_key', ok: true }),
      expect.objectContaining({ name: 'models_with_key', ok: true }),
      expect.objectContaining({ name: 'chat:deepseek-chat', ok: true, detail: 'answered pong' }),
    ]);
    const smokeBatches = await api.request('GET', `/api/import-batches?host_id=${hostId}&kind=smoke`);
    expect(smokeBatches.json.items).toEqual([
      expect.objectContaining({ kind: 'smoke', status: 'succeeded', provider_id: 'deepseek' }),
    ]);
    const host = await api.request('GET', `/api/hosts/${hostId}`);
    expect(host.json.smoke_key_fingerprint).toMatch(/^sha256:/);
    // No plaintext credential or tenant key in the manager's SQLite files (sealed, or never stored).
    for (const file of [manager.dbPath, `${manager.dbPath}-wal`].filter((f) => existsSync(f))) {
      const bytes = readFileSync(file).toString('latin1');
      expect(bytes).not.toContain(upstream.apiKey);
      expect(bytes).not.toContain(tenantKey);
    }
    // Usage is recorded asynchronously: wait for both completions so later listings hold still.
    await waitFor(async () => (await admin.usage.events({ model: 'deepseek-chat' })).items.length >= 2, {
      timeoutMs: 10_000,
      message: 'usage of the two completions recorded',
    });
  });

  it('plans and applies only no-ops when imported again', async () => {
    const audit = await auditCount();
    const current = await listings();
    const preview = await api.request('POST', '/api/providers/deepseek/preview-import', {
      body: importBody(),
    });
    expect(preview.json.ops.map((op: { action: string }) => op.action)).toEqual(Array(7).fill('no-op'));
    const seen = proxy.seen.length;
    const res = await api.request('POST', '/api/providers/deepseek/import', {
      body: { host_id: hostId, plan_id: preview.json.plan_id },
    });
    expect(res.status).toBe(201);
    expect(res.json.status).toBe('succeeded');
    expect(res.json.resources.map((r: { status: string }) => r.status)).toEqual(Array(7).fill('unchanged'));
    expect(res.json.api_key).toBeNull();
    expect(proxy.writes(seen)).toEqual([]);
    expect(await auditCount()).toBe(audit);
    expect(await listings()).toEqual(current);

    // A plan made before the host changed is refused.
    const stale = await api.request('POST', '/api/providers/deepseek/preview-import', { body: importBody() });
    await admin.users.update((await admin.users.listAll({ name: 'acme' }))[0]?.id ?? '', {
      email: 'acme@example.com',
    });
    const refused = await api.request('POST', '/api/providers/deepseek/import', {
      body: { host_id: hostId, plan_id: stale.json.plan_id },
    });
    expect(refused.status).toBe(409);
    expect(refused.json.error.code).toBe('PLAN_STALE');
  });

  it('reports a binding deleted behind its back as missing in access and reconcile, and repairs it', async () => {
    const binding = (await admin.accountGroups.listAll({ label: `${MANAGED}=relay-manager` }))[0];
    expect(binding).toBeDefined();
    await admin.accountGroups.delete(binding?.id ?? '');

    const access = await api.request('GET', `/api/access?host_id=${hostId}&provider_id=deepseek`);
    expect(access.status).toBe(200);
    expect(access.json.ok).toBe(false);
    const reasons = access.json.groups[0].missing.map((m: { reason: string }) => m.reason);
    expect(reasons).toContain('BINDING_MISSING');
    expect(reasons).toContain('GROUP_HAS_NO_ACCOUNTS');
    expect(
      access.json.groups[0].missing.find((m: { reason: string }) => m.reason === 'BINDING_MISSING').ids,
    ).toMatchObject({
      account_id: binding?.account_id,
      group_id: binding?.group_id,
    });

    const report = await api.request('POST', '/api/reconcile', { body: { host_id: hostId, mode: 'report' } });
    expect(report.status).toBe(200);
    expect(report.json.drift).toEqual([
      expect.objectContaining({ kind: 'missing', type: 'account_group', remote_id: binding?.id }),
    ]);
    const stored = await api.request('GET', `/api/reconcile-runs/${report.json.run_id}`);
    expect(stored.json).toMatchObject({ run_id: report.json.run_id, mode: 'report', status: 'succeeded' });
    const metrics = await (await fetch(`${manager.url}/metrics`)).text();
    expect(metrics).toContain(`relay_manager_drift_resources{host_id="${hostId}"} 1`);

    const repair = await api.request('POST', '/api/access/repair', {
      body: { host_id: hostId, provider_id: 'deepseek' },
    });
    expect(repair.status).toBe(200);
    expect(repair.json.repaired).toEqual([
      expect.objectContaining({ type: 'account_group', status: 'created' }),
    ]);
    expect(repair.json.access.ok).toBe(true);
    const repairBatch = await api.request('GET', `/api/import-batches/${repair.json.batch_id}`);
    expect(repairBatch.json).toMatchObject({ kind: 'repair', status: 'succeeded' });
    const rebound = await admin.accountGroups.listAll({ group_id: binding?.group_id });
    expect(rebound.map((b) => b.account_id)).toEqual([binding?.account_id]);

    const clean = await api.request('POST', '/api/reconcile', { body: { host_id: hostId, mode: 'report' } });
    expect(clean.json.drift).toEqual([]);
  });

  it('restores a modified owned field in repair mode and reports a labelled resource it never made as orphaned', async () => {
    const group = (await admin.groups.listAll({ name: 'deepseek' }))[0];
    await admin.groups.update(group?.id ?? '', { rate_multiplier: '2.5' });
    const orphan = await admin.users.create({
      name: 'sneaky',
      labels: {
        [MANAGED]: 'relay-manager',
        'relay.manager/provider': 'deepseek',
        'relay.manager/key': 'user:sneaky',
      },
    });

    const report = await api.request('POST', '/api/reconcile', {
      body: { host_id: hostId, provider_id: 'deepseek', mode: 'report' },
    });
    expect(report.json.drift).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: 'modified',
          type: 'group',
          natural_key: 'deepseek',
          fields: [{ field: 'rate_multiplier', expected: '1', actual: '2.5' }],
        }),
        expect.objectContaining({
          kind: 'orphaned',
          type: 'user',
          remote_id: orphan.id,
          natural_key: 'user:sneaky',
        }),
      ]),
    );
    expect(report.json.drift).toHaveLength(2);

    const repair = await api.request('POST', '/api/reconcile', {
      body: { host_id: hostId, provider_id: 'deepseek', mode: 'repair' },
    });
    expect(repair.json.repaired).toEqual([
      expect.objectContaining({ kind: 'modified', type: 'group', status: 'updated', remote_id: group?.id }),
    ]);
    expect(repair.json.repair_batch_id).toMatch(/^bat_/);
    expect((await admin.groups.get(group?.id ?? '')).rate_multiplier).toBe('1');
    // Orphans are reported, never touched.
    expect(await admin.users.get(orphan.id)).toMatchObject({ name: 'sneaky' });
    await admin.users.delete(orphan.id);
  });

  it('rolls back to exactly the gateway as it was, and refuses a second rollback with 409', async () => {
    const res = await api.request('POST', '/api/providers/deepseek/rollback', { body: { host_id: hostId } });
    expect(res.status).toBe(200);
    expect(res.json.status).toBe('succeeded');
    const order = res.json.resources.map((r: { type: string }) => r.type);
    expect(order.indexOf('api_key')).toBeLessThan(order.indexOf('account_group'));
    expect(order.indexOf('account_group')).toBeLessThan(order.indexOf('account'));
    expect(order.indexOf('account')).toBeLessThan(order.indexOf('group'));
    expect(order.lastIndexOf('user')).toBe(order.length - 1);

    expect(await listings()).toEqual(before);
    const again = await api.request('POST', '/api/providers/deepseek/rollback', {
      body: { host_id: hostId },
    });
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe('NO_RECORDED_RESOURCES');
    const batch = await api.request('GET', `/api/import-batches/${batchId}`);
    expect(batch.json.status).toBe('rolled_back');
    expect((await api.request('GET', `/api/hosts/${hostId}`)).json.smoke_key_fingerprint).toBeNull();
  });

  it('ends partial with an unknown write when an answer is lost, and the retry adopts instead of creating twice', async () => {
    proxy.dropNext({ method: 'POST', path: '/admin/v1/accounts' });
    const first = await api.request('POST', '/api/providers/deepseek/import', { body: importBody() });
    proxy.heal();
    expect(first.status).toBe(201);
    expect(first.json.status).toBe('partial');
    const byType = Object.fromEntries(
      first.json.resources.map((r: { type: string; status: string }) => [r.type, r.status]),
    );
    expect(byType).toEqual({
      user: 'created',
      group: 'created',
      account: 'unknown',
      account_group: 'skipped',
      price: 'created',
      api_key: 'created',
    });
    const partial = await api.request('GET', `/api/import-batches/${first.json.batch_id}`);
    expect(partial.json.status).toBe('partial');
    expect(partial.json.journal.filter((e: { state: string }) => e.state === 'unknown')).toEqual([
      expect.objectContaining({ action: 'create', remote_id: null }),
    ]);
    // The write did go through: the gateway has the account, with our labels.
    const labelled = () => admin.accounts.listAll({ label: `${MANAGED}=relay-manager` });
    expect(await labelled()).toHaveLength(1);

    const retry = await api.request('POST', '/api/providers/deepseek/preview-import', { body: importBody() });
    const actions = Object.fromEntries(
      retry.json.ops.map((op: { type: string; action: string; natural_key: string }) => [
        op.natural_key,
        op.action,
      ]),
    );
    expect(Object.values(actions).sort()).toEqual([
      'adopt',
      'create',
      'no-op',
      'no-op',
      'no-op',
      'no-op',
      'no-op',
    ]);
    const applied = await api.request('POST', '/api/providers/deepseek/import', {
      body: { host_id: hostId, plan_id: retry.json.plan_id },
    });
    expect(applied.json.status).toBe('succeeded');
    expect(applied.json.resources.find((r: { type: string }) => r.type === 'account')).toMatchObject({
      action: 'adopt',
      status: 'adopted',
    });
    expect(await labelled()).toHaveLength(1);
    expect(applied.json.closure.ok).toBe(true);
    // The lost write's journal entry is settled by what the lookup found.
    const settled = await api.request('GET', `/api/import-batches/${first.json.batch_id}`);
    expect(settled.json.journal.filter((e: { state: string }) => e.state === 'unknown')).toEqual([]);

    const rollback = await api.request('POST', '/api/providers/deepseek/rollback', {
      body: { host_id: hostId },
    });
    expect(rollback.json.status).toBe('succeeded');
    expect(await listings()).toEqual(before);
  });
});

describe('refusals, conflicts and the scheduled reconcile (in-process manager, same gateway)', () => {
  let m: TestManager;
  let clock: TestClock;
  let localHost = '';
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await m.app.request(path, {
      method,
      headers: { ...bearer, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: text === '' ? undefined : JSON.parse(text) };
  };
  const body = (extra: Record<string, unknown> = {}) => ({ ...importBody(), host_id: localHost, ...extra });

  beforeAll(async () => {
    clock = new TestClock(Date.now());
    m = await testManager({
      env: { MANAGER_RECONCILE_INTERVAL: '1s', LOG_LEVEL: 'warn' },
      overrides: { clock: clock.now },
    });
    const host = await call('POST', '/api/hosts', {
      name: 'direct',
      base_url: gateway.url,
      admin_token: GATEWAY_TOKEN,
    });
    expect(host.status).toBe(201);
    localHost = host.json.id;
  });
  afterAll(async () => {
    await m?.close();
  });

  it('refuses bad input, unknown things and a rollback without a record', async () => {
    expect((await call('POST', '/api/providers/nope/preview-import', body())).status).toBe(404);
    const unknownModel = await call('POST', '/api/providers/deepseek/preview-import', {
      ...body(),
      options: { models: ['gpt-9'] },
    });
    expect(unknownModel.status).toBe(400);
    expect(unknownModel.json.error.message).toContain('gpt-9');
    expect(
      (await call('POST', '/api/providers/deepseek/preview-import', { host_id: localHost, credentials: [] }))
        .status,
    ).toBe(400);
    expect((await call('GET', '/api/resources')).status).toBe(400);
    const mixed = await call('POST', '/api/providers/deepseek/import', {
      ...body(),
      plan_id: `pln_${'0'.repeat(26)}`,
    });
    expect(mixed.status).toBe(400);
    const typo = await call('POST', '/api/providers/deepseek/preview-import', {
      ...body(),
      options: { create_api_keys: true },
    });
    expect(typo.status).toBe(400);
    expect((await call('GET', `/api/access?host_id=hst_${'0'.repeat(26)}&provider_id=deepseek`)).status).toBe(
      404,
    );
    expect((await call('GET', `/api/import-batches/bat_${'0'.repeat(26)}`)).status).toBe(404);
    const rollback = await call('POST', '/api/providers/deepseek/rollback', { host_id: localHost });
    expect(rollback.status).toBe(409);
    expect(rollback.json.error.code).toBe('NO_RECORDED_RESOURCES');
  });

  it('refuses an expired plan (409 PLAN_EXPIRED) and an import while the host is busy (409 HOST_BUSY)', async () => {
    const plan = await call('POST', '/api/providers/deepseek/preview-import', body());
    expect(plan.status).toBe(200);
    clock.advance(16 * 60_000);
    const expired = await call('POST', '/api/providers/deepseek/import', {
      host_id: localHost,
      plan_id: plan.json.plan_id,
    });
    expect(expired.status).toBe(409);
    expect(expired.json.error.code).toBe('PLAN_EXPIRED');

    let release = () => {};
    const held = m.services.leases.withHostLease(
      localHost,
      'test.hold',
      () =>
        new Promise<void>((r) => {
          release = r;
        }),
    );
    const busy = await call('POST', '/api/providers/deepseek/import', body());
    release();
    await held;
    expect(busy.status).toBe(409);
    expect(busy.json.error).toMatchObject({ code: 'HOST_BUSY', details: { operation: 'test.hold' } });
  });

  it('plans a group that exists without our labels as a conflict and never touches it', async () => {
    const theirs = await admin.groups.create({
      name: 'shared-deepseek',
      platform: 'openai',
      rate_multiplier: '3',
    });
    const plan = await call('POST', '/api/providers/deepseek/preview-import', {
      ...body(),
      options: { ...importBody().options, group: { name: 'shared-deepseek' } },
    });
    const group = plan.json.ops.find((op: { type: string }) => op.type === 'group');
    expect(group).toMatchObject({
      action: 'conflict',
      remote_id: theirs.id,
      before: { rate_multiplier: '3' },
      after: { rate_multiplier: '1' },
    });
    expect(group.reason).toContain('without relay-manager labels');
    expect(plan.json.warnings.join(' ')).toContain('shared-deepseek');
    const binding = plan.json.ops.find((op: { type: string }) => op.type === 'account_group');
    expect(binding.action).toBe('create');
    await admin.groups.delete(theirs.id);
  });

  it('runs the scheduled report-mode reconcile and feeds the drift gauge', async () => {
    const imported = await call('POST', '/api/providers/deepseek/import', body());
    expect(imported.json.status).toBe('succeeded');
    m.services.reconcileScheduler.start();
    const run = await waitFor(
      async () => {
        const runs = await call('GET', `/api/reconcile-runs?host_id=${localHost}`);
        return runs.json.items.find((r: { actor: string }) => r.actor === 'scheduler');
      },
      { timeoutMs: 10_000, message: 'a scheduled reconcile run' },
    );
    await m.services.reconcileScheduler.stop();
    expect(run).toMatchObject({ mode: 'report', status: 'succeeded', drift: [] });
    const metrics = await (await m.app.request('/metrics')).text();
    expect(metrics).toContain(`relay_manager_drift_resources{host_id="${localHost}"} 0`);
    expect(metrics).toMatch(/relay_manager_import_batches_total\{kind="import",status="succeeded"\} 1/);

    const status = await call('GET', `/api/status?host_id=${localHost}`);
    expect(status.json.providers).toEqual([
      expect.objectContaining({ provider_id: 'deepseek', closure: expect.objectContaining({ ok: true }) }),
    ]);
    expect(status.json.last_reconcile).toMatchObject({ run_id: run.run_id, drift: 0 });
    const rollback = await call('POST', '/api/providers/deepseek/rollback', {
      host_id: localHost,
      batch_id: imported.json.batch_id,
    });
    expect(rollback.json.status).toBe('succeeded');
  });
});
