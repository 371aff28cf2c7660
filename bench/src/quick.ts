/**
 * A quick probe for working on the hot path (not the benchmark of record, which is run.ts):
 * one gateway from the bundle, the mock, optionally the bare proxy; sequential p50 then Q_DUR
 * seconds (default 6) at 32 connections, CPU µs per request from /proc.
 * Q_PROF=1 adds a CPU profile (summarised by profile-categories.ts), Q_BARE=0 skips the bare proxy,
 * Q_STREAM=1 adds a stream run, Q_ALLOC=1 an allocation profile of the gateway's load phase (what is
 * allocated per request, by function), Q_SMAPS=<file> a copy of its memory map after the load.
 * DATABASE_URL / REDIS_URL select production.
 * Run: `pnpm --filter @relay/bench quick` after `pnpm build` (apps/gateway/dist must be current).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, spawnMockUpstream, startProcess, waitFor } from '@relay/testkit';
import { summariseAllocations } from './allocation-summary.ts';
import { BENCH_ADMIN_TOKEN, gatewayEnv, startUsageWorker } from './gateway-env.ts';
import { runLoad } from './load.ts';
import { cpuMicros, memoryMb, redisCpuMicros, syscalls } from './proc-stats.ts';
import { summariseProfiles } from './profile-summary.ts';
import { runSequential } from './sequential.ts';
import { startBareProxy } from './start-bare-proxy.ts';
import { seedBenchTenant } from './tenant.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const dur = Number(process.env.Q_DUR ?? 6);
const prof = process.env.Q_PROF === '1';
const allocationProfile =
  process.env.Q_ALLOC === '1' ? join(tmpdir(), `qalloc-${process.pid}.heapprofile`) : undefined;
const profDir = mkdtempSync(join(tmpdir(), 'qprof-'));
const body = (stream: boolean) =>
  JSON.stringify({
    model: 'gpt-4o-mini',
    stream,
    messages: [
      { role: 'system', content: 'You are a careful assistant. '.repeat(30) },
      { role: 'user', content: 'Summarise the benefits of connection pooling in two sentences.' },
    ],
  });
const mock = await spawnMockUpstream({ apiKey: 'sk-bench-upstream' });
const dataDir = mkdtempSync(join(tmpdir(), 'relay-q-'));
const port = await freePort();
const env = gatewayEnv(port, dataDir);
if (allocationProfile !== undefined) env.RELAY_ALLOCATION_PROFILE = allocationProfile;
const gw = await startProcess({
  command: process.execPath,
  args: [
    ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []),
    ...(allocationProfile ? ['--require', join(here, 'allocation-sampler.cjs')] : []),
    // Extra node flags for the gateway, e.g. Q_NODE_ARGS='--trace-opt --trace-deopt' with Q_KEEP_OUT=<file>.
    ...(process.env.Q_NODE_ARGS ?? '').split(' ').filter(Boolean),
    join(root, 'apps/gateway/dist/serve.js'),
  ],
  env,
  readyUrl: `http://127.0.0.1:${port}/healthz`,
  outputLimit: process.env.Q_KEEP_OUT ? 256 * 1024 * 1024 : undefined,
  timeoutMs: 120_000,
});
// With Q_PROF the usage worker (production) is profiled too, into a directory of its own.
const workerProfDir =
  prof && env.REDIS_URL !== undefined ? mkdtempSync(join(tmpdir(), 'qprof-worker-')) : undefined;
const worker =
  env.REDIS_URL === undefined
    ? undefined
    : await startUsageWorker(
        root,
        env,
        workerProfDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${workerProfDir}`],
      );
const url = `http://127.0.0.1:${port}`;
const key = await seedBenchTenant({
  gatewayUrl: url,
  adminToken: BENCH_ADMIN_TOKEN,
  mockUrl: mock.url,
  mockApiKey: mock.apiKey,
  accounts: 10,
});
const bare = process.env.Q_BARE === '0' ? undefined : await startBareProxy(mock.url);
const out: Record<string, unknown> = {};
let allocationLines: string[] = [];
async function m(name: string, u: string, pid: number, auth: string, stream: boolean) {
  const req = {
    url: `${u}/v1/chat/completions`,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${auth}` },
    body: body(stream),
  };
  const seq = await runSequential(req, 300);
  // Q_WARM=<s>: a load of that many seconds first (JIT warm-up), not measured.
  if (Number(process.env.Q_WARM ?? 0) > 0) await runLoad(req, 32, Number(process.env.Q_WARM));
  const before = cpuMicros(pid);
  const sysBefore = syscalls(pid);
  const workerBefore = worker && pid === gw.pid ? cpuMicros(worker.pid) : undefined;
  // Q_PERF=<file>: on-CPU samples of the gateway during its load phase (perf record; `perf report -i <file>`).
  const perf =
    process.env.Q_PERF && pid === gw.pid
      ? (await import('node:child_process')).spawn(
          'perf',
          [
            'record',
            '-F',
            '997',
            '-g',
            '-p',
            String(pid),
            '-o',
            process.env.Q_PERF,
            '--',
            'sleep',
            String(dur - 1),
          ],
          { stdio: 'ignore' },
        )
      : undefined;
  const redisBefore =
    process.env.REDIS_URL && pid === gw.pid ? await redisCpuMicros(process.env.REDIS_URL) : 0;
  const sampled = allocationProfile !== undefined && pid === gw.pid && !stream;
  if (sampled) process.kill(pid, 'SIGUSR2');
  const r = await runLoad(req, 32, dur);
  if (sampled) {
    process.kill(pid, 'SIGUSR2');
    await waitFor(() => existsSync(allocationProfile), { timeoutMs: 30_000 });
    allocationLines = summariseAllocations(allocationProfile, r.requests, 40);
  }
  const redis =
    process.env.REDIS_URL && pid === gw.pid
      ? Math.round(((await redisCpuMicros(process.env.REDIS_URL)) - redisBefore) / r.requests)
      : '';
  if (perf)
    await new Promise((resolve) => (perf.exitCode === null ? perf.once('exit', resolve) : resolve(null)));
  out[`${name}${stream ? ' stream' : ''}`] = {
    cpu: Math.round((cpuMicros(pid) - before) / r.requests),
    'r+w/req': (() => {
      const a = syscalls(pid);
      return `${((a.reads - sysBefore.reads) / r.requests).toFixed(2)}+${((a.writes - sysBefore.writes) / r.requests).toFixed(2)}`;
    })(),
    redis,
    worker:
      workerBefore === undefined || !worker
        ? ''
        : Math.round((cpuMicros(worker.pid) - workerBefore) / r.requests),
    rps: r.rps,
    p99: r.p99Ms,
    err: r.errors + r.non2xx,
    seqP50: seq.p50Ms.toFixed(3),
    ttfb: seq.ttfbP50Ms.toFixed(3),
  };
}
await m('direct', mock.url, mock.process.pid, mock.apiKey, false);
if (bare) await m('bare', bare.url, bare.process.pid, mock.apiKey, false);
await m('gateway', url, gw.pid, key, false);
if (process.env.Q_STREAM === '1') await m('gateway', url, gw.pid, key, true);
out.rss = memoryMb(gw.pid);
// Q_SMAPS=<file>: the gateway's memory map after the load (which regions hold its RSS).
if (process.env.Q_SMAPS) writeFileSync(process.env.Q_SMAPS, readFileSync(`/proc/${gw.pid}/smaps`));
if (process.env.Q_KEEP_OUT) writeFileSync(process.env.Q_KEEP_OUT, gw.stdout + gw.stderr);
await gw.stop();
await worker?.stop();
await bare?.process.stop();
await mock.stop();
console.table(out);
if (prof) for (const p of summariseProfiles(profDir, 45)) for (const [n, pct] of p.rows) console.log(pct, n);
if (workerProfDir !== undefined) console.log('worker profdir', workerProfDir);
for (const line of allocationLines) console.log(line);
console.log('profdir', profDir);
rmSync(dataDir, { recursive: true, force: true });
