import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AdminClient } from '@relay/admin-client';
import { createAdminClient } from '@relay/admin-client';
import { runCli } from '@relay/manifests';
import type { MockUpstream } from '@relay/testkit';
import { startMockUpstream, waitFor } from '@relay/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayProcess } from '../support/gateway-process.ts';
import { startGatewayProcess } from '../support/gateway-process.ts';
import { ApiClient } from '../support/http.ts';
import type { ManagerProcess } from '../support/manager-process.ts';
import { startManagerProcess } from '../support/manager-process.ts';
import type { PackRepo } from '../support/pack-repo.ts';
import { createPackRepo, draftManifest } from '../support/pack-repo.ts';

/**
 * Drafts and batch-import runs end to end (issue 11): the real gateway process, the real manager process
 * over a throwaway pack repository, and the testkit mock upstream as DeepSeek accepting a set of keys.
 * The last test is the scale run: BATCH_SCALE_ITEMS items (CI: 40; `pnpm --filter @relay/manager run
 * scale:batch`: 1,000), one bad credential per hundred, with verify; it prints the time and peak memory.
 */

const SCALE_ITEMS = Number.parseInt(process.env.BATCH_SCALE_ITEMS ?? '40', 10);
const scaleKeys = Array.from({ length: SCALE_ITEMS }, (_, i) =>
  i % 100 === 99 ? `sk-scale-bad-${i}` : `sk-scale-good-${String(i).padStart(5, '0')}`,
);

const MANAGER_TOKEN = 'e2e-batch-runs-manager-token-0123456789';
const GATEWAY_TOKEN = 'e2e-batch-runs-gateway-token-0123456789';
const KEY_LABEL = 'relay.manager/key';

const goodKeys = (tag: string, n: number) =>
  Array.from({ length: n }, (_, i) => `sk-${tag}-good-${String(i).padStart(4, '0')}`);

let repo: PackRepo;
let gateway: GatewayProcess;
let upstream: MockUpstream;
let manager: ManagerProcess;
let api: ApiClient;
let admin: AdminClient;
let hostId = '';

const managerEnv = (): Record<string, string> => ({
  MANAGER_ADMIN_TOKEN: MANAGER_TOKEN,
  MANAGER_REPO_ROOT: repo.root,
  MANAGER_PROBE_INTERVAL: '1h',
  MANAGER_RECONCILE_INTERVAL: '1h',
  LOG_LEVEL: 'info',
});

beforeAll(async () => {
  repo = createPackRepo();
  const accepted = [
    ...goodKeys('run', 47),
    ...goodKeys('kill', 40),
    ...goodKeys('cancel', 60),
    ...scaleKeys.filter((k) => k.includes('-good-')),
  ];
  [gateway, upstream, manager] = await Promise.all([
    startGatewayProcess(GATEWAY_TOKEN),
    startMockUpstream({ extraApiKeys: accepted, latencyMs: 20 }),
    startManagerProcess({ ...managerEnv(), MANAGER_BATCH_CONCURRENCY: '8' }),
  ]);
  api = new ApiClient(manager.url, { authorization: `Bearer ${MANAGER_TOKEN}` });
  admin = createAdminClient({ baseUrl: gateway.url, token: GATEWAY_TOKEN });
  const host = await api.request('POST', '/api/hosts', {
    body: { name: 'batch-gateway', base_url: gateway.url, admin_token: GATEWAY_TOKEN },
  });
  expect(host.status).toBe(201);
  hostId = host.json.id;
}, 180_000);

afterAll(async () => {
  await Promise.all([manager?.dispose(), gateway?.dispose(), upstream?.close()]);
  repo?.dispose();
});

function startRun(keys: string[], options: Record<string, unknown> = {}) {
  return api.request('POST', '/api/batch-import/runs', {
    body: {
      host_id: hostId,
      provider_id: 'deepseek',
      items: keys.map((api_key) => ({ api_key })),
      options: { base_url: `${upstream.url}/v1`, ...options },
    },
  });
}

async function finished(runId: string, timeoutMs = 110_000) {
  let run: any;
  await waitFor(
    async () => {
      run = (await api.request('GET', `/api/batch-import/runs/${runId}`)).json;
      return (
        ['succeeded', 'partial', 'failed', 'cancelled', 'interrupted'].includes(run.status) &&
        run.finished_at !== null
      );
    },
    { timeoutMs, intervalMs: 100, message: `run ${runId} to finish` },
  );
  return run;
}

async function allItems(runId: string) {
  const items: any[] = [];
  let cursor: string | null = null;
  do {
    const res = await api.request(
      'GET',
      `/api/batch-import/runs/${runId}/items?limit=1000${cursor === null ? '' : `&cursor=${cursor}`}`,
    );
    items.push(...res.json.items);
    cursor = res.json.next_cursor;
  } while (cursor !== null);
  return items;
}

/** The gateway's managed deepseek accounts, by natural-key label: duplicates would show as a count > 1. */
async function accountsByKey() {
  const accounts = await admin.accounts.listAll({ label: ['relay.manager/provider=deepseek'] });
  const byKey = new Map<string, number>();
  for (const account of accounts) {
    const key = account.labels[KEY_LABEL] ?? '';
    byKey.set(key, (byKey.get(key) ?? 0) + 1);
  }
  return { accounts, byKey };
}

describe('provider drafts through the real manager process', () => {
  it('refuses invalid (422) and stale (409) drafts, publishes a commit, and a refusing hook leaves the repository unchanged', async () => {
    const manifest = draftManifest(repo.root);
    const invalid = await api.request('POST', '/api/provider-drafts', {
      body: { pack_id: 'cn', provider_id: 'deepseek', manifest: { ...manifest, models: [] } },
    });
    expect(invalid.status).toBe(422);
    expect(invalid.json.error.code).toBe('MANIFEST_INVALID');
    expect(invalid.json.error.details.errors[0].field).toMatch(/^manifest\.models/);

    const created = await api.request('POST', '/api/provider-drafts', {
      body: { pack_id: 'cn', provider_id: 'deepseek', manifest },
    });
    expect(created.status).toBe(201);
    const draftId = created.json.draft_id;
    const saved = await api.request('PUT', `/api/provider-drafts/${draftId}`, {
      body: { manifest, revision: 1 },
    });
    expect(saved.json.revision).toBe(2);
    const stale = await api.request('PUT', `/api/provider-drafts/${draftId}`, {
      body: { manifest, revision: 1 },
    });
    expect(stale.status).toBe(409);
    expect(stale.json.error.code).toBe('DRAFT_REVISION_CONFLICT');

    const hook = join(repo.root, '.git/hooks/pre-commit');
    writeFileSync(hook, '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    const before = repo.snapshot();
    const refused = await api.request('POST', `/api/provider-drafts/${draftId}/publish`);
    expect(refused.json.error.code).toBe('PUBLISH_FAILED');
    expect(repo.snapshot()).toBe(before);
    writeFileSync(hook, '#!/bin/sh\nexit 0\n', { mode: 0o755 });

    const published = await api.request('POST', `/api/provider-drafts/${draftId}/publish`);
    expect(published.status).toBe(200);
    expect(published.json.pack_version).toBe('1.0.1');
    expect(repo.git('rev-parse', 'HEAD').trim()).toBe(published.json.commit);
    expect(repo.git('status', '--porcelain').trim()).toBe('');
    expect(await runCli(['validate', repo.root], { stdout: () => undefined, stderr: () => undefined })).toBe(
      0,
    );
  }, 120_000);
});

describe('batch-import runs', () => {
  it('50 items with 3 bad keys and verify: partial, 47 succeeded, 3 failed with reasons, no duplicate', async () => {
    const keys = [...goodKeys('run', 47)];
    keys.splice(5, 0, 'sk-bad-key-0001');
    keys.splice(20, 0, 'sk-bad-key-0002');
    keys.splice(40, 0, 'sk-bad-key-0003');
    const created = await startRun(keys, { verify: true });
    expect(created.status).toBe(202);
    expect(created.json.status).toBe('queued');
    const run = await finished(created.json.run_id);
    expect(run.status).toBe('partial');
    expect(run.counts).toMatchObject({ total: 50, succeeded: 47, failed: 3, pending: 0, running: 0 });

    const items = await allItems(run.run_id);
    const failed = items.filter((i) => i.status === 'failed');
    expect(failed.map((i) => i.index)).toEqual([5, 20, 40]);
    for (const item of failed) {
      expect(item.error).toMatch(/verify: the upstream rejected the credential \(status 401/);
      expect(item.account_id).toMatch(/^acc_/);
    }
    expect(items.every((i) => i.credential_fingerprint.startsWith('sha256:'))).toBe(true);
    // Secrets appear nowhere in the API answers, only fingerprints.
    expect(api.seen.join('\n')).not.toContain('sk-run-good-');
    // Nor in the manager's log lines.
    expect(`${manager.proc.stdout}${manager.proc.stderr}`).toContain(failed[0]?.credential_fingerprint);
    expect(`${manager.proc.stdout}${manager.proc.stderr}`).not.toMatch(/sk-(run-good|bad-key)-/);

    const { accounts, byKey } = await accountsByKey();
    expect(accounts).toHaveLength(50);
    expect([...byKey.values()].every((n) => n === 1)).toBe(true);
    const disabled = accounts
      .filter((a) => a.status === 'disabled')
      .map((a) => a.id)
      .sort();
    expect(disabled).toEqual(failed.map((i) => i.account_id).sort());

    // The host status reports the provider's live access closure, as GET /api/access sees it.
    const status = await api.request('GET', `/api/hosts/${hostId}/status`);
    const access = await api.request('GET', `/api/access?host_id=${hostId}&provider_id=deepseek`);
    expect(access.status).toBe(200);
    expect(status.json.closure).toMatchObject({
      ok: access.json.ok,
      providers: [
        {
          provider_id: 'deepseek',
          ok: access.json.ok,
          groups_with_gaps: access.json.groups.filter((g: { ok: boolean }) => !g.ok).length,
        },
      ],
    });

    const metrics = await (await fetch(`${manager.url}/metrics`)).text();
    expect(metrics).toMatch(/relay_manager_batch_items_total\{status="failed"\} 3/);
    expect(metrics).toMatch(/relay_manager_batch_runs\{status="partial"\} 1/);
  }, 120_000);

  it('a manager killed mid-run restarts with the run interrupted; resume completes it without duplicates', async () => {
    const keys = goodKeys('kill', 40);
    upstream.setFault(null);
    const created = await startRun(keys, { verify: true });
    const runId = created.json.run_id;
    await waitFor(
      async () => (await api.request('GET', `/api/batch-import/runs/${runId}`)).json.counts.succeeded >= 5,
      { timeoutMs: 30_000, intervalMs: 20, message: 'some items done' },
    );
    const killed = await manager.proc.stop('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');

    manager = await startManagerProcess({
      ...managerEnv(),
      MANAGER_BATCH_CONCURRENCY: '8',
      MANAGER_SQLITE_PATH: manager.dbPath,
    });
    api = new ApiClient(manager.url, { authorization: `Bearer ${MANAGER_TOKEN}` });
    const after = (await api.request('GET', `/api/batch-import/runs/${runId}`)).json;
    expect(after.status).toBe('interrupted');
    expect(after.counts.succeeded).toBeLessThan(40);

    const resumed = await api.request('POST', `/api/batch-import/runs/${runId}/resume`);
    expect(resumed.status).toBe(202);
    const run = await finished(runId);
    expect(run.status).toBe('succeeded');
    expect(run.counts).toMatchObject({ total: 40, succeeded: 40, failed: 0 });
    const again = await api.request('POST', `/api/batch-import/runs/${runId}/resume`);
    expect(again.json.error.code).toBe('RUN_NOT_RESUMABLE');

    const { accounts, byKey } = await accountsByKey();
    expect(accounts).toHaveLength(90);
    expect([...byKey.values()].every((n) => n === 1)).toBe(true);
  }, 150_000);

  it('cancel stops new items: the rest end skipped and nothing more is written', async () => {
    const created = await startRun(goodKeys('cancel', 60), { verify: true });
    const runId = created.json.run_id;
    await waitFor(
      async () => (await api.request('GET', `/api/batch-import/runs/${runId}`)).json.counts.succeeded >= 3,
      { timeoutMs: 30_000, intervalMs: 20, message: 'some items done' },
    );
    const cancelled = await api.request('POST', `/api/batch-import/runs/${runId}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.json.status).toBe('cancelled');
    const run = await finished(runId);
    expect(run.status).toBe('cancelled');
    expect(run.counts.skipped).toBeGreaterThan(0);
    expect(run.counts.pending + run.counts.running).toBe(0);
    const written = run.counts.succeeded + run.counts.failed;
    const { accounts } = await accountsByKey();
    expect(accounts).toHaveLength(90 + written);
    const skipped = (await allItems(runId)).filter((i) => i.status === 'skipped');
    expect(skipped.every((i) => i.error === 'the run was cancelled' && i.account_id === null)).toBe(true);
    expect((await api.request('POST', `/api/batch-import/runs/${runId}/cancel`)).json.error.code).toBe(
      'CONFLICT',
    );
  }, 120_000);
});

describe('batch-import runs on BullMQ (REDIS_URL set)', () => {
  it('a second manager process with Redis runs a batch: partial with the bad key failed', async () => {
    const prefix = `{relay-manager-e2e-${randomBytes(6).toString('hex')}}`;
    const redisManager = await startManagerProcess({
      ...managerEnv(),
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      MANAGER_QUEUE_PREFIX: prefix,
    });
    try {
      const redisApi = new ApiClient(redisManager.url, { authorization: `Bearer ${MANAGER_TOKEN}` });
      const host = await redisApi.request('POST', '/api/hosts', {
        body: { name: 'batch-gateway-redis', base_url: gateway.url, admin_token: GATEWAY_TOKEN },
      });
      expect(host.status).toBe(201);
      const keys = [...goodKeys('run', 4), 'sk-bad-key-redis'];
      const created = await redisApi.request('POST', '/api/batch-import/runs', {
        body: {
          host_id: host.json.id,
          provider_id: 'deepseek',
          items: keys.map((api_key) => ({ api_key })),
          options: { base_url: `${upstream.url}/v1`, verify: true },
        },
      });
      expect(created.status).toBe(202);
      let run: any;
      await waitFor(
        async () => {
          run = (await redisApi.request('GET', `/api/batch-import/runs/${created.json.run_id}`)).json;
          return run.finished_at !== null;
        },
        { timeoutMs: 60_000, intervalMs: 100, message: 'the BullMQ run to finish' },
      );
      // The four good keys were imported by the first manager: this one adopts them instead of duplicating.
      expect(run.status).toBe('partial');
      expect(run.counts).toMatchObject({ total: 5, succeeded: 4, failed: 1 });
      const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
      try {
        expect((await redis.keys(`${prefix}:*`)).length).toBeGreaterThan(0);
      } finally {
        await redis.quit();
      }
      const { byKey } = await accountsByKey();
      expect([...byKey.values()].every((n) => n === 1)).toBe(true);
    } finally {
      await redisManager.dispose();
      const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
      const left = await redis.keys(`${prefix}:*`);
      if (left.length > 0) await redis.del(...left);
      await redis.quit();
    }
  }, 150_000);
});

/** Peak resident memory of a process (Linux), in MiB. */
function peakRssMiB(pid: number): number | undefined {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] === undefined ? undefined : Math.round(Number(match[1]) / 1024);
  } catch {
    return undefined;
  }
}

describe('batch-import run at scale', () => {
  it(
    `${SCALE_ITEMS} items with verify: one failed item per bad credential, no duplicate account`,
    async () => {
      const badCount = scaleKeys.filter((k) => k.includes('-bad-')).length;
      const before = (await accountsByKey()).accounts.length;
      const rssBefore = peakRssMiB(manager.proc.pid);
      const started = performance.now();
      const created = await startRun(scaleKeys, { verify: true });
      expect(created.status).toBe(202);
      const run = await finished(created.json.run_id, 30 * 60_000);
      const seconds = (performance.now() - started) / 1000;
      const rssPeak = peakRssMiB(manager.proc.pid);
      console.log(
        `[figure] batch run of ${SCALE_ITEMS} items (verify, concurrency 8): ${seconds.toFixed(1)} s, ${(SCALE_ITEMS / seconds).toFixed(1)} items/s; manager peak RSS ${rssPeak ?? '?'} MiB (${rssBefore ?? '?'} MiB before the run)`,
      );
      expect(run.status).toBe(badCount === 0 ? 'succeeded' : 'partial');
      expect(run.counts).toMatchObject({
        total: SCALE_ITEMS,
        succeeded: SCALE_ITEMS - badCount,
        failed: badCount,
      });
      const failed = (await allItems(run.run_id)).filter((i) => i.status === 'failed');
      expect(failed.every((i) => /^verify: /.test(i.error))).toBe(true);
      const { accounts, byKey } = await accountsByKey();
      expect(accounts.length - before).toBe(SCALE_ITEMS);
      expect([...byKey.values()].every((n) => n === 1)).toBe(true);
      if (rssPeak !== undefined) expect(rssPeak).toBeLessThan(400);
    },
    30 * 60_000,
  );
});
