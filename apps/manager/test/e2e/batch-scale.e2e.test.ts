import { readFileSync } from 'node:fs';
import { createAdminClient } from '@relay/admin-client';
import type { MockUpstream } from '@relay/testkit';
import { startMockUpstream, waitFor } from '@relay/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { GatewayProcess } from '../support/gateway-process.ts';
import { startGatewayProcess } from '../support/gateway-process.ts';
import { ApiClient } from '../support/http.ts';
import type { ManagerProcess } from '../support/manager-process.ts';
import { startManagerProcess } from '../support/manager-process.ts';

/**
 * A batch-import run at scale against the real gateway and manager processes and the testkit mock:
 * BATCH_SCALE_ITEMS items (CI: 100; `pnpm --filter @relay/manager run scale:batch`: 1,000), one bad
 * credential per hundred, with verify. Prints the run time and the manager's peak memory.
 */

const ITEMS = Number.parseInt(process.env.BATCH_SCALE_ITEMS ?? '100', 10);
const CONCURRENCY = process.env.BATCH_SCALE_CONCURRENCY ?? '8';
const MANAGER_TOKEN = 'e2e-batch-scale-manager-token-0123456789';
const GATEWAY_TOKEN = 'e2e-batch-scale-gateway-token-0123456789';

let gateway: GatewayProcess;
let upstream: MockUpstream;
let manager: ManagerProcess;

const keys = Array.from({ length: ITEMS }, (_, i) =>
  i % 100 === 99 ? `sk-scale-bad-${i}` : `sk-scale-good-${String(i).padStart(5, '0')}`,
);
const badCount = keys.filter((k) => k.includes('-bad-')).length;

beforeAll(async () => {
  [gateway, upstream, manager] = await Promise.all([
    startGatewayProcess(GATEWAY_TOKEN),
    startMockUpstream({ extraApiKeys: keys.filter((k) => k.includes('-good-')) }),
    startManagerProcess({
      MANAGER_ADMIN_TOKEN: MANAGER_TOKEN,
      MANAGER_PROBE_INTERVAL: '1h',
      MANAGER_RECONCILE_INTERVAL: '1h',
      MANAGER_BATCH_CONCURRENCY: CONCURRENCY,
      LOG_LEVEL: 'warn',
    }),
  ]);
}, 90_000);

afterAll(async () => {
  await Promise.all([manager?.dispose(), gateway?.dispose(), upstream?.close()]);
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

it(
  `a run of ${ITEMS} items with verify: one failed item per bad credential, no duplicate account`,
  async () => {
    const api = new ApiClient(manager.url, { authorization: `Bearer ${MANAGER_TOKEN}` });
    const host = await api.request('POST', '/api/hosts', {
      body: { name: 'scale-gateway', base_url: gateway.url, admin_token: GATEWAY_TOKEN },
    });
    expect(host.status).toBe(201);
    const rssBefore = peakRssMiB(manager.proc.pid);
    const started = performance.now();
    const created = await api.request('POST', '/api/batch-import/runs', {
      body: {
        host_id: host.json.id,
        provider_id: 'deepseek',
        items: keys.map((api_key) => ({ api_key })),
        options: { verify: true, base_url: `${upstream.url}/v1` },
      },
    });
    expect(created.status).toBe(202);
    let run: any;
    await waitFor(
      async () => {
        run = (await api.request('GET', `/api/batch-import/runs/${created.json.run_id}`)).json;
        return run.finished_at !== null;
      },
      { timeoutMs: 30 * 60_000, intervalMs: 250, message: 'the run to finish' },
    );
    const seconds = (performance.now() - started) / 1000;
    const rssPeak = peakRssMiB(manager.proc.pid);
    console.log(
      `[figure] batch run of ${ITEMS} items (verify, concurrency ${CONCURRENCY}): ${seconds.toFixed(1)} s, ${(ITEMS / seconds).toFixed(1)} items/s; manager peak RSS ${rssPeak ?? '?'} MiB (before the run ${rssBefore ?? '?'} MiB)`,
    );
    expect(run.status).toBe(badCount === 0 ? 'succeeded' : 'partial');
    expect(run.counts).toMatchObject({ total: ITEMS, succeeded: ITEMS - badCount, failed: badCount });

    const admin = createAdminClient({ baseUrl: gateway.url, token: GATEWAY_TOKEN });
    const accounts = await admin.accounts.listAll({ label: ['relay.manager/provider=deepseek'] });
    expect(accounts).toHaveLength(ITEMS);
    expect(new Set(accounts.map((a) => a.labels['relay.manager/key'])).size).toBe(ITEMS);
    if (rssPeak !== undefined) expect(rssPeak).toBeLessThan(400);
  },
  30 * 60_000,
);
