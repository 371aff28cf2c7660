import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  freePort,
  type ManagedProcess,
  spawnMockUpstream,
  startMockUpstream,
  startProcess,
} from '@relay/testkit';
import { BENCH_ADMIN_TOKEN, gatewayEnv, startUsageWorker } from './gateway-env.ts';
import { type LoadRequest, runLoad } from './load.ts';
import { cpuMicros, memoryMb, redisCpuMicros, syscalls, waitUntilIdle } from './proc-stats.ts';
import { summariseProfiles } from './profile-summary.ts';
import { byRound } from './rounds.ts';
import { seedScale } from './seed-scale.ts';
import { runSequential } from './sequential.ts';
import { startBareProxy } from './start-bare-proxy.ts';
import { seedBenchTenant } from './tenant.ts';
import { benchTranslation, type TranslationFigures, translationTable } from './translation.ts';

/**
 * `pnpm bench`: the gateway with governance on vs direct calls to the same mock vs a bare
 * pass-through proxy, in one run on loopback. Bounded: every load phase has a fixed duration.
 * BENCH_DURATION_S (default 5) per load phase, BENCH_SEQUENTIAL (default 500) sequential requests,
 * BENCH_WARMUP_S (default 5) of unmeasured load per target and mode before its figures are taken.
 * BENCH_IDLE_S (default 40): how long a gateway stays without requests before its idle RSS is read.
 * BENCH_ROUNDS (default 3): the sequential probes and the 32-connection phases are taken in this many
 * rounds with the targets interleaved within each round (direct, bare proxy, gateway; the 100k-key
 * gateway beside the small one; the order reversed every other round), and every ratio of the summary
 * is the median of its per-round values (listed under `per_round`): a VM whose speed drifts over
 * minutes then moves both sides of a ratio (docs/adr/0026).
 * DATABASE_URL / REDIS_URL, when set, put the gateway in its production configuration.
 * The gateway runs as production does: the esbuild bundle (built first), never tsx.
 * BENCH_CPU_PROF=1 starts the gateway with `node --cpu-prof` and adds the functions with the most
 * self time to the report (profiles kept in bench/results/<stamp>-profiles/).
 * BENCH_ONLY=translation runs only the translation comparison (translation.ts).
 */
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const durationS = Number(process.env.BENCH_DURATION_S ?? 5);
const sequentialCount = Number(process.env.BENCH_SEQUENTIAL ?? 500);
const warmUpS = Number(process.env.BENCH_WARMUP_S ?? 5);
const idleS = Number(process.env.BENCH_IDLE_S ?? 40);
const roundCount = Math.max(1, Math.trunc(Number(process.env.BENCH_ROUNDS ?? 3)));
const cpuProf = process.env.BENCH_CPU_PROF === '1';
const stamp = new Date().toISOString().replaceAll(':', '-').slice(0, 19);
const resultsDir = join(root, 'bench', 'results');
const profileDir = join(resultsDir, `${stamp}-profiles`);
const onlyTranslation = process.env.BENCH_ONLY === 'translation';

const systemPrompt = 'You are a careful assistant. '.repeat(30);
const body = (stream: boolean) =>
  JSON.stringify({
    model: 'gpt-4o-mini',
    stream,
    messages: [
      { role: 'system', content: systemPrompt },
      { role: 'user', content: 'Summarise the benefits of connection pooling in two sentences.' },
    ],
  });

type Target = {
  name: string;
  url: string;
  pid: number;
  headers: Record<string, string>;
  /** Production: the separate usage worker whose CPU per request is reported beside the gateway's. */
  workerPid?: number;
};
type Figures = Record<string, number | string>;

/**
 * The targets in the order of a round: reversed every other round, so a machine that drifts slower or
 * faster during a run does not always favour the target measured last.
 */
function inTurn<T>(targets: readonly T[], round: number): readonly T[] {
  return round % 2 === 0 ? [...targets].reverse() : targets;
}

/** Where a load row belongs: the main comparison, or the 100k-key gateway against the small one. */
type Phase = 'main' | 'scale';

async function measure(
  target: Target,
  mockPid: number,
  stream: boolean,
  connections: number,
  place: { phase: Phase; round: number } = { phase: 'main', round: 1 },
): Promise<Figures> {
  const request: LoadRequest = {
    url: `${target.url}/v1/chat/completions`,
    headers: target.headers,
    body: body(stream),
  };
  // Production: the usage worker starts with no backlog of an earlier load, and its CPU (and
  // Redis') is read once it has written this load's records.
  const settled = target.workerPid === undefined ? true : await waitUntilIdle(target.workerPid);
  const cpuBefore = cpuMicros(target.pid);
  const mockBefore = cpuMicros(mockPid);
  const workerBefore = target.workerPid === undefined ? 0 : cpuMicros(target.workerPid);
  const callsBefore = syscalls(target.pid);
  const redisUrl = target.workerPid === undefined ? undefined : process.env.REDIS_URL;
  const redisBefore = redisUrl === undefined ? 0 : await redisCpuMicros(redisUrl);
  const result = await runLoad(request, connections, durationS);
  const requests = Math.max(result.requests, 1);
  const cpu = (cpuMicros(target.pid) - cpuBefore) / requests;
  const mockCpu = (cpuMicros(mockPid) - mockBefore) / requests;
  const calls = syscalls(target.pid);
  const drained = target.workerPid === undefined ? true : await waitUntilIdle(target.workerPid);
  const redisAfter = redisUrl === undefined ? 0 : await redisCpuMicros(redisUrl);
  if (!settled || !drained) console.warn(`${target.name}: the usage worker was still busy after 60 s`);
  return {
    target: target.name,
    mode: stream ? 'stream' : 'non-stream',
    connections,
    phase: place.phase,
    round: place.round,
    rps: result.rps,
    errors: result.errors + result.non2xx,
    cpu_us_per_req: Math.round(cpu),
    mock_cpu_us_per_req: Math.round(mockCpu),
    worker_cpu_us_per_req:
      target.workerPid === undefined
        ? ''
        : Math.round((cpuMicros(target.workerPid) - workerBefore) / requests),
    // What Redis spent per request (the whole server: other clients of it count too).
    redis_cpu_us_per_req: redisUrl === undefined ? '' : Math.round((redisAfter - redisBefore) / requests),
    // Socket reads and writes per request (system calls are a large share of the cost on small VMs).
    syscalls_per_req: round((calls.reads - callsBefore.reads + calls.writes - callsBefore.writes) / requests),
    p50_ms: result.p50Ms,
    p99_ms: result.p99Ms,
  };
}

/**
 * RSS right after start (and seeding), then after BENCH_IDLE_S seconds without requests: V8 keeps the
 * young generation it grew into during start-up (2 × 16 MB) until its memory reducer runs, 10–35 s after
 * the process went quiet, so the first figure includes start-up's transient heap and the second is
 * what an idle gateway holds.
 */
async function idleMemory(pid: number): Promise<{ afterStart: { rss: number }; idle: { rss: number } }> {
  const afterStart = memoryMb(pid);
  await new Promise((resolve) => setTimeout(resolve, idleS * 1000));
  return { afterStart, idle: memoryMb(pid) };
}

/** An unmeasured load (BENCH_WARMUP_S seconds, default 5) at 32 connections. */
async function warmUp(target: Target, stream: boolean): Promise<void> {
  if (warmUpS <= 0) return;
  await runLoad(
    { url: `${target.url}/v1/chat/completions`, headers: target.headers, body: body(stream) },
    32,
    warmUpS,
  );
}

async function startGateway(
  mock: { url: string; apiKey: string },
  scale: { keys: number; accounts: number },
  redisPrefix?: string,
) {
  const dataDir = mkdtempSync(join(tmpdir(), 'relay-bench-'));
  if (scale.keys > 0) await seedScale({ dataDir, databaseUrl: process.env.DATABASE_URL, ...scale });
  const port = await freePort();
  const env = gatewayEnv(port, dataDir);
  // Production: a second gateway running beside the first keeps its usage queue (and worker) apart.
  if (redisPrefix !== undefined && env.REDIS_URL !== undefined) env.GATEWAY_REDIS_PREFIX = redisPrefix;
  const started = performance.now();
  const gateway = await startProcess({
    command: process.execPath,
    args: [
      ...(cpuProf && scale.keys === 0 ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
      join(root, 'apps/gateway/dist/serve.js'),
    ],
    env,
    readyUrl: `http://127.0.0.1:${port}/healthz`,
    timeoutMs: 120_000,
  });
  const startMs = Math.round(performance.now() - started);
  const worker = env.REDIS_URL === undefined ? undefined : await startUsageWorker(root, env);
  const url = `http://127.0.0.1:${port}`;
  const key = await seedBenchTenant({
    gatewayUrl: url,
    adminToken: BENCH_ADMIN_TOKEN,
    mockUrl: mock.url,
    mockApiKey: mock.apiKey,
    accounts: 10,
  });
  return {
    gateway,
    worker,
    url,
    key,
    startMs,
    stop: async () => {
      await gateway.stop();
      await worker?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Bundles the gateway as production runs it (scripts/build-app.mjs). */
function buildGateway(): void {
  const built = spawnSync(
    process.execPath,
    [join(root, 'scripts/build-app.mjs'), 'src/serve.ts', 'src/usage-worker-main.ts'],
    { cwd: join(root, 'apps/gateway'), stdio: 'inherit' },
  );
  if (built.status !== 0) throw new Error('gateway build failed');
}

/**
 * The per-chunk cost of streaming: the gateway's CPU per stream request when the upstream sends each
 * SSE event in its own write (one chunk each) minus when it sends the whole stream in one write,
 * divided by the extra chunks.
 */
async function measureChunkCost(
  gateway: { url: string; pid: number },
  mockApiKey: string,
  oneWrite: Figures | undefined,
): Promise<Figures> {
  const chunky = await startMockUpstream({ apiKey: mockApiKey });
  try {
    chunky.setFault({ mode: 'slow_stream', intervalMs: 0 });
    const key = await seedBenchTenant({
      gatewayUrl: gateway.url,
      adminToken: BENCH_ADMIN_TOKEN,
      mockUrl: chunky.url,
      mockApiKey,
      accounts: 1,
    });
    const probe = await fetch(`${chunky.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${mockApiKey}` },
      body: body(true),
    });
    const events = (await probe.text()).split('\n\n').filter((event) => event.trim() !== '').length;
    const target: Target = {
      name: 'gateway (one write per SSE event)',
      url: gateway.url,
      pid: gateway.pid,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    };
    const perEvent = await measure(target, process.pid, true, 8);
    const base = Number(oneWrite?.cpu_us_per_req);
    return {
      events,
      cpu_us_per_req_one_write: base,
      cpu_us_per_req_one_write_per_event: Number(perEvent.cpu_us_per_req),
      rps_one_write_per_event: Number(perEvent.rps),
      errors: Number(perEvent.errors),
      per_chunk_cpu_us: round((Number(perEvent.cpu_us_per_req) - base) / Math.max(events - 1, 1), 1),
    };
  } finally {
    await chunky.close();
  }
}

async function main(): Promise<void> {
  const loadBefore = loadavg();
  buildGateway();
  const mock = await spawnMockUpstream({ apiKey: 'sk-bench-upstream' });
  const bare = await startBareProxy(mock.url);
  const processes: ManagedProcess[] = [bare.process];
  const rows: Figures[] = [];
  const probes: Figures[] = [];
  const memory: Figures[] = [];
  let chunks: Figures = {};
  let translation: TranslationFigures | undefined;
  try {
    const small = await startGateway(mock, { keys: 0, accounts: 0 });
    processes.push(small.gateway, ...(small.worker ? [small.worker] : []));
    const auth = { 'content-type': 'application/json' };
    const targets: Target[] = [
      {
        name: 'direct',
        url: mock.url,
        pid: mock.process.pid,
        headers: { ...auth, authorization: `Bearer ${mock.apiKey}` },
      },
      {
        name: 'bare-proxy',
        url: bare.url,
        pid: bare.process.pid,
        headers: { ...auth, authorization: `Bearer ${mock.apiKey}` },
      },
      {
        name: 'gateway',
        url: small.url,
        pid: small.gateway.pid,
        workerPid: small.worker?.pid,
        headers: { ...auth, authorization: `Bearer ${small.key}` },
      },
    ];
    const { afterStart, idle } = await idleMemory(small.gateway.pid);
    const anthropicKey = await seedBenchTenant({
      gatewayUrl: small.url,
      adminToken: BENCH_ADMIN_TOKEN,
      mockUrl: mock.url,
      mockApiKey: mock.apiKey,
      accounts: 1,
      platform: 'anthropic',
    });
    translation = await benchTranslation({
      gatewayUrl: small.url,
      gatewayPid: small.gateway.pid,
      openaiKey: small.key,
      anthropicKey,
      sequentialCount,
      durationS,
    });
    if (!onlyTranslation) {
      // Every target is warmed up the same way before it is measured: a long-running server is
      // measured, not its JIT compiler's first seconds (optimising compiles run on background threads
      // and count in the process's CPU).
      for (const target of targets) for (const stream of [false, true]) await warmUp(target, stream);
      // Production: the usage worker writes the warm-up's records before anything is timed.
      if (small.worker !== undefined) await waitUntilIdle(small.worker.pid);
      const perRound = Math.ceil(sequentialCount / roundCount);
      // Sequential probes first, on an idle system, both modes in every round (taken after the
      // non-stream load phases, the stream probes of production runs were 0.4-0.5 ms slower than the
      // non-stream ones, a difference a probe alternating the two modes did not show); the targets
      // take turns within each round.
      for (let round = 1; round <= roundCount; round += 1) {
        for (const stream of [false, true]) {
          for (const target of inTurn(targets, round)) {
            const seq = await runSequential(
              { url: `${target.url}/v1/chat/completions`, headers: target.headers, body: body(stream) },
              perRound,
            );
            probes.push({
              target: target.name,
              mode: stream ? 'stream' : 'non-stream',
              round,
              ...roundAll(seq),
            });
          }
        }
      }
      for (const stream of [false, true]) {
        // Then load at 8 and 32 connections.
        for (const target of targets) rows.push(await measure(target, mock.process.pid, stream, 8));
        for (let round = 1; round <= roundCount; round += 1) {
          for (const target of inTurn(targets, round)) {
            rows.push(await measure(target, mock.process.pid, stream, 32, { phase: 'main', round }));
          }
        }
      }
    }
    const gatewayStream8 = rows.find(
      (row) => row.target === 'gateway' && row.mode === 'stream' && row.connections === 8,
    );
    if (!onlyTranslation) {
      chunks = await measureChunkCost(
        { url: small.url, pid: small.gateway.pid },
        mock.apiKey,
        gatewayStream8,
      );
    }
    memory.push({
      scenario: '10 keys / 10 accounts',
      start_ms: small.startMs,
      start_rss_mb: round(afterStart.rss),
      idle_rss_mb: round(idle.rss),
      peak_rss_mb: round(memoryMb(small.gateway.pid).peak),
    });
    if (onlyTranslation) {
      await small.stop();
      console.log(translationTable(translation));
      console.log(JSON.stringify(translation.summary, null, 2));
      return;
    }

    // The 100k-key gateway runs beside the small one, and the two take turns in each round.
    const large = await startGateway(mock, { keys: 100_000, accounts: 10_000 }, 'bench-large:');
    processes.push(large.gateway, ...(large.worker ? [large.worker] : []));
    const largeTarget: Target = {
      name: 'gateway (100k keys, 10k accounts)',
      url: large.url,
      pid: large.gateway.pid,
      workerPid: large.worker?.pid,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${large.key}` },
    };
    const largeIdle = await idleMemory(large.gateway.pid);
    // Warmed up as the small gateway was before its 32-connection rows (a sequential probe and a
    // load at 8 connections): the comparison is of per-request cost, not of a cold JIT.
    await warmUp(largeTarget, false);
    await warmUp(largeTarget, true);
    await runSequential(
      { url: `${large.url}/v1/chat/completions`, headers: largeTarget.headers, body: body(false) },
      sequentialCount,
    );
    await measure(largeTarget, mock.process.pid, false, 8);
    const smallTarget = targets[2] as Target;
    for (let round = 1; round <= roundCount; round += 1) {
      for (const target of inTurn([smallTarget, largeTarget], round)) {
        rows.push(await measure(target, mock.process.pid, false, 32, { phase: 'scale', round }));
      }
    }
    memory.push({
      scenario: '100k keys / 10k accounts',
      start_ms: large.startMs,
      start_rss_mb: round(largeIdle.afterStart.rss),
      idle_rss_mb: round(largeIdle.idle.rss),
      peak_rss_mb: round(memoryMb(large.gateway.pid).peak),
    });
    await large.stop();
    await small.stop();
  } finally {
    for (const child of processes) await child.stop().catch(() => undefined);
    await mock.stop();
  }
  const loadAfter = loadavg();
  const environment = {
    topology: process.env.DATABASE_URL
      ? 'production (Postgres + Redis + BullMQ)'
      : 'embedded (PGlite, memory)',
    load_average_before: loadBefore.map((value) => round(value)),
    load_average_after: loadAfter.map((value) => round(value)),
  };
  report(rows, probes, memory, chunks, environment, translation);
}

function report(
  rows: Figures[],
  probes: Figures[],
  memory: Figures[],
  chunks: Figures,
  environment: Record<string, unknown>,
  translation: TranslationFigures | undefined,
): void {
  /** A 32-connection row's figure in one round (main comparison, or the 100k-key one). */
  const at = (phase: Phase, target: string, mode: string, field: string) => (n: number) =>
    figure(
      rows.find(
        (row) =>
          row.phase === phase &&
          row.round === n &&
          row.target === target &&
          row.mode === mode &&
          row.connections === 32,
      )?.[field],
    );
  const main = (target: string, field: string, mode = 'non-stream') => at('main', target, mode, field);
  const probe = (target: string, mode: string, field: string) => (n: number) =>
    figure(probes.find((p) => p.target === target && p.mode === mode && p.round === n)?.[field]);
  const perRound: Record<string, number[]> = {};
  /** The median over rounds of `of(n)`; the per-round values are kept under `per_round`. */
  const median = (name: string, of: (n: number) => number, digits = 2) => {
    const taken = byRound(roundCount, of);
    perRound[name] = taken.rounds.map((value) => round(value, digits));
    return round(taken.median, digits);
  };
  const ratio = (a: (n: number) => number, b: (n: number) => number) => (n: number) => a(n) / b(n);
  const sum = (a: (n: number) => number, b: (n: number) => number) => (n: number) =>
    a(n) + (Number.isFinite(b(n)) ? b(n) : 0);
  const added = (target: string, mode: string, field: string) => (n: number) =>
    probe(target, mode, field)(n) - probe('direct', mode, field)(n);
  const gatewayCpu = main('gateway', 'cpu_us_per_req');
  const bareCpu = main('bare-proxy', 'cpu_us_per_req');
  const summary = {
    rounds: roundCount,
    gateway_cpu_us_per_req_non_stream_32: median('gateway_cpu_us_per_req_non_stream_32', gatewayCpu, 0),
    bare_proxy_cpu_us_per_req_non_stream_32: median('bare_proxy_cpu_us_per_req_non_stream_32', bareCpu, 0),
    gateway_throughput_ratio_32: median(
      'gateway_throughput_ratio_32',
      ratio(main('gateway', 'rps'), main('direct', 'rps')),
      3,
    ),
    bare_proxy_throughput_ratio_32: median(
      'bare_proxy_throughput_ratio_32',
      ratio(main('bare-proxy', 'rps'), main('direct', 'rps')),
      3,
    ),
    gateway_cpu_vs_bare_proxy: median('gateway_cpu_vs_bare_proxy', ratio(gatewayCpu, bareCpu)),
    usage_worker_cpu_us_per_req_non_stream_32: median(
      'usage_worker_cpu_us_per_req_non_stream_32',
      main('gateway', 'worker_cpu_us_per_req'),
      0,
    ),
    gateway_plus_worker_cpu_vs_bare_proxy: median(
      'gateway_plus_worker_cpu_vs_bare_proxy',
      ratio(sum(gatewayCpu, main('gateway', 'worker_cpu_us_per_req')), bareCpu),
    ),
    redis_cpu_us_per_req_non_stream_32: median(
      'redis_cpu_us_per_req_non_stream_32',
      main('gateway', 'redis_cpu_us_per_req'),
      0,
    ),
    gateway_syscalls_per_req_non_stream_32: median(
      'gateway_syscalls_per_req_non_stream_32',
      main('gateway', 'syscalls_per_req'),
    ),
    bare_proxy_syscalls_per_req_non_stream_32: median(
      'bare_proxy_syscalls_per_req_non_stream_32',
      main('bare-proxy', 'syscalls_per_req'),
    ),
    gateway_p99_under_load_ms: median('gateway_p99_under_load_ms', main('gateway', 'p99_ms'), 0),
    bare_proxy_p99_under_load_ms: median('bare_proxy_p99_under_load_ms', main('bare-proxy', 'p99_ms'), 0),
    gateway_p99_under_load_vs_bare_proxy: median(
      'gateway_p99_under_load_vs_bare_proxy',
      ratio(main('gateway', 'p99_ms'), main('bare-proxy', 'p99_ms')),
    ),
    stream_per_chunk_cpu_us: chunks.per_chunk_cpu_us,
    gateway_added_p50_ms: median('gateway_added_p50_ms', added('gateway', 'non-stream', 'p50Ms'), 3),
    gateway_added_p99_ms: median('gateway_added_p99_ms', added('gateway', 'non-stream', 'p99Ms'), 3),
    gateway_added_stream_ttfb_p50_ms: median(
      'gateway_added_stream_ttfb_p50_ms',
      added('gateway', 'stream', 'ttfbP50Ms'),
      3,
    ),
    bare_added_p50_ms: median('bare_added_p50_ms', added('bare-proxy', 'non-stream', 'p50Ms'), 3),
    bare_added_stream_ttfb_p50_ms: median(
      'bare_added_stream_ttfb_p50_ms',
      added('bare-proxy', 'stream', 'ttfbP50Ms'),
      3,
    ),
    large_vs_small_cpu: median(
      'large_vs_small_cpu',
      ratio(
        at('scale', 'gateway (100k keys, 10k accounts)', 'non-stream', 'cpu_us_per_req'),
        at('scale', 'gateway', 'non-stream', 'cpu_us_per_req'),
      ),
      3,
    ),
    errors: rows.reduce((total, row) => total + Number(row.errors), 0) + Number(chunks.errors ?? 0),
    translation: translation?.summary,
    per_round: perRound,
  };
  const dir = resultsDir;
  mkdirSync(dir, { recursive: true });
  const profiles = cpuProf ? summariseProfiles(profileDir) : [];
  const result = {
    at: new Date().toISOString(),
    duration_s: durationS,
    sequential: sequentialCount,
    environment,
    summary,
    stream_chunks: chunks,
    profiles,
    load: rows,
    sequential_probe: probes,
    memory,
    translation: translation?.rows,
  };
  writeFileSync(join(dir, `${stamp}.json`), `${JSON.stringify(result, null, 2)}\n`);
  const table = [
    '| target | mode | conns | phase | round | req/s | CPU µs/req | usage worker CPU µs/req | Redis CPU µs/req | syscalls/req | mock CPU µs/req | p50 ms | p99 ms | errors |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.target} | ${r.mode} | ${r.connections} | ${r.phase} | ${r.round} | ${r.rps} | ${r.cpu_us_per_req} | ${r.worker_cpu_us_per_req} | ${r.redis_cpu_us_per_req} | ${r.syscalls_per_req} | ${r.mock_cpu_us_per_req} | ${r.p50_ms} | ${r.p99_ms} | ${r.errors} |`,
    ),
    '',
    '| target | mode | round | seq p50 ms | seq p99 ms | TTFB p50 ms | TTFB p99 ms |',
    '|---|---|---|---|---|---|---|',
    ...probes.map(
      (p) =>
        `| ${p.target} | ${p.mode} | ${p.round} | ${p.p50Ms} | ${p.p99Ms} | ${p.ttfbP50Ms} | ${p.ttfbP99Ms} |`,
    ),
    '',
    `| scenario | start ms (bundle) | RSS after start MB | idle RSS MB (${idleS} s without requests) | peak RSS MB |`,
    '|---|---|---|---|---|',
    ...memory.map(
      (m) => `| ${m.scenario} | ${m.start_ms} | ${m.start_rss_mb} | ${m.idle_rss_mb} | ${m.peak_rss_mb} |`,
    ),
    '',
    `Streaming: ${chunks.events} SSE events; gateway CPU per stream request ${chunks.cpu_us_per_req_one_write} µs with the stream in one upstream write, ${chunks.cpu_us_per_req_one_write_per_event} µs with one write per event: ${chunks.per_chunk_cpu_us} µs per extra chunk.`,
    '',
    `${environment.topology}; load average before ${JSON.stringify(environment.load_average_before)}, after ${JSON.stringify(environment.load_average_after)}.`,
    ...profiles.flatMap((profile) => [
      '',
      `CPU profile ${profile.file} (self time, idle excluded):`,
      '',
      '| % | function |',
      '|---|---|',
      ...profile.rows.map(([name, percent]) => `| ${percent} | \`${name}\` |`),
    ]),
    '',
    translation === undefined ? '' : translationTable(translation),
  ].join('\n');
  writeFileSync(
    join(dir, `${stamp}.md`),
    `${table}\n\n\`\`\`json\n${JSON.stringify(summary, null, 2)}\n\`\`\`\n`,
  );
  console.log(table);
  console.log(JSON.stringify(summary, null, 2));
}

/** A table cell as a number; an empty one (no usage worker or Redis in embedded mode) is NaN. */
const figure = (value: number | string | undefined): number =>
  value === undefined || value === '' ? Number.NaN : Number(value);
const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
function roundAll(values: Record<string, number>): Figures {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, round(v, 3)]));
}

await main();
