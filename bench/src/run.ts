import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, type ManagedProcess, spawnMockUpstream, startTsxProcess } from '@relay/testkit';
import postgres from 'postgres';
import { type LoadRequest, runLoad } from './load.ts';
import { cpuMicros, memoryMb } from './proc-stats.ts';
import { seedScale } from './seed-scale.ts';
import { runSequential } from './sequential.ts';
import { seedBenchTenant } from './tenant.ts';
import { benchTranslation, type TranslationFigures, translationTable } from './translation.ts';

/**
 * `pnpm bench` (quality.md): the gateway with governance on vs direct calls to the same mock vs a bare
 * pass-through proxy, in one run on loopback. Bounded: every load phase has a fixed duration.
 * BENCH_DURATION_S (default 5) per load phase, BENCH_SEQUENTIAL (default 500) sequential requests.
 * DATABASE_URL / REDIS_URL, when set, put the gateway in its production configuration.
 * BENCH_ONLY=translation runs only the translation comparison (translation.ts).
 */
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const durationS = Number(process.env.BENCH_DURATION_S ?? 5);
const sequentialCount = Number(process.env.BENCH_SEQUENTIAL ?? 500);
const ADMIN_TOKEN = 'bench-admin-token-0123456789';
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

type Target = { name: string; url: string; pid: number; headers: Record<string, string> };
type Figures = Record<string, number | string>;

async function measure(
  target: Target,
  mockPid: number,
  stream: boolean,
  connections: number,
): Promise<Figures> {
  const request: LoadRequest = {
    url: `${target.url}/v1/chat/completions`,
    headers: target.headers,
    body: body(stream),
  };
  const cpuBefore = cpuMicros(target.pid);
  const mockBefore = cpuMicros(mockPid);
  const result = await runLoad(request, connections, durationS);
  const cpu = (cpuMicros(target.pid) - cpuBefore) / Math.max(result.requests, 1);
  const mockCpu = (cpuMicros(mockPid) - mockBefore) / Math.max(result.requests, 1);
  return {
    target: target.name,
    mode: stream ? 'stream' : 'non-stream',
    connections,
    rps: result.rps,
    errors: result.errors + result.non2xx,
    cpu_us_per_req: Math.round(cpu),
    mock_cpu_us_per_req: Math.round(mockCpu),
    p50_ms: result.p50Ms,
    p99_ms: result.p99Ms,
  };
}

async function startGateway(
  mock: { url: string; apiKey: string },
  scale: { keys: number; accounts: number },
) {
  const dataDir = mkdtempSync(join(tmpdir(), 'relay-bench-'));
  if (scale.keys > 0) await seedScale({ dataDir, databaseUrl: process.env.DATABASE_URL, ...scale });
  const port = await freePort();
  const env: Record<string, string> = {
    GATEWAY_PORT: String(port),
    GATEWAY_HOST: '127.0.0.1',
    GATEWAY_ADMIN_TOKEN: ADMIN_TOKEN,
    GATEWAY_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    GATEWAY_SECRET_KEY: 'b'.repeat(64),
  };
  if (process.env.DATABASE_URL) env.DATABASE_URL = process.env.DATABASE_URL;
  if (process.env.REDIS_URL) env.REDIS_URL = process.env.REDIS_URL;
  else env.NODE_ENV = 'development';
  const gateway = await startTsxProcess(join(root, 'apps/gateway/src/serve.ts'), env, {
    readyUrl: `http://127.0.0.1:${port}/healthz`,
    timeoutMs: 60_000,
  });
  const url = `http://127.0.0.1:${port}`;
  const key = await seedBenchTenant({
    gatewayUrl: url,
    adminToken: ADMIN_TOKEN,
    mockUrl: mock.url,
    mockApiKey: mock.apiKey,
    accounts: 10,
  });
  return { gateway, url, key, cleanup: () => rmSync(dataDir, { recursive: true, force: true }) };
}

async function main(): Promise<void> {
  const mock = await spawnMockUpstream({ apiKey: 'sk-bench-upstream' });
  const barePort = await freePort();
  const bare = await startTsxProcess(join(here, 'bare-proxy.ts'), {}, { args: [String(barePort), mock.url] });
  await bare.waitForOutput(/"url"/);
  const processes: ManagedProcess[] = [bare];
  const rows: Figures[] = [];
  const probes: Figures[] = [];
  const memory: Figures[] = [];
  let translation: TranslationFigures | undefined;
  try {
    const small = await startGateway(mock, { keys: 0, accounts: 0 });
    processes.push(small.gateway);
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
        url: `http://127.0.0.1:${barePort}`,
        pid: bare.pid,
        headers: { ...auth, authorization: `Bearer ${mock.apiKey}` },
      },
      {
        name: 'gateway',
        url: small.url,
        pid: small.gateway.pid,
        headers: { ...auth, authorization: `Bearer ${small.key}` },
      },
    ];
    const idle = memoryMb(small.gateway.pid);
    const anthropicKey = await seedBenchTenant({
      gatewayUrl: small.url,
      adminToken: ADMIN_TOKEN,
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
    for (const target of onlyTranslation ? [] : targets) {
      for (const stream of [false, true]) {
        // Sequential first (an idle system), then load at 8 and 32 connections.
        const seq = await runSequential(
          { url: `${target.url}/v1/chat/completions`, headers: target.headers, body: body(stream) },
          sequentialCount,
        );
        probes.push({ target: target.name, mode: stream ? 'stream' : 'non-stream', ...roundAll(seq) });
        for (const connections of [8, 32])
          rows.push(await measure(target, mock.process.pid, stream, connections));
      }
    }
    memory.push({
      scenario: '10 keys / 10 accounts',
      idle_rss_mb: round(idle.rss),
      peak_rss_mb: round(memoryMb(small.gateway.pid).peak),
    });
    await small.gateway.stop();
    await small.cleanup();
    if (onlyTranslation) {
      console.log(translationTable(translation));
      console.log(JSON.stringify(translation.summary, null, 2));
      return;
    }

    const large = await startGateway(mock, { keys: 100_000, accounts: 10_000 });
    processes.push(large.gateway);
    const largeTarget: Target = {
      name: 'gateway (100k keys, 10k accounts)',
      url: large.url,
      pid: large.gateway.pid,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${large.key}` },
    };
    const largeIdle = memoryMb(large.gateway.pid);
    rows.push(await measure(largeTarget, mock.process.pid, false, 32));
    memory.push({
      scenario: '100k keys / 10k accounts',
      idle_rss_mb: round(largeIdle.rss),
      peak_rss_mb: round(memoryMb(large.gateway.pid).peak),
    });
    await large.gateway.stop();
    await large.cleanup();
  } finally {
    for (const child of processes) await child.stop().catch(() => undefined);
    await mock.stop();
  }
  report(rows, probes, memory, translation);
}

function report(
  rows: Figures[],
  probes: Figures[],
  memory: Figures[],
  translation: TranslationFigures | undefined,
): void {
  const find = (target: string, mode: string, connections: number) =>
    rows.find((row) => row.target === target && row.mode === mode && row.connections === connections);
  const ratio = (target: string) => {
    const direct = find('direct', 'non-stream', 32);
    const other = find(target, 'non-stream', 32);
    return direct && other ? round(Number(other.rps) / Number(direct.rps), 3) : Number.NaN;
  };
  const seq = (target: string, mode: string) => probes.find((p) => p.target === target && p.mode === mode);
  const added = (target: string, mode: string, field: string) =>
    round(Number(seq(target, mode)?.[field]) - Number(seq('direct', mode)?.[field]), 3);
  const summary = {
    gateway_cpu_us_per_req_non_stream_32: find('gateway', 'non-stream', 32)?.cpu_us_per_req,
    bare_proxy_cpu_us_per_req_non_stream_32: find('bare-proxy', 'non-stream', 32)?.cpu_us_per_req,
    gateway_throughput_ratio_32: ratio('gateway'),
    bare_proxy_throughput_ratio_32: ratio('bare-proxy'),
    gateway_added_p50_ms: added('gateway', 'non-stream', 'p50Ms'),
    gateway_added_p99_ms: added('gateway', 'non-stream', 'p99Ms'),
    gateway_added_stream_ttfb_p50_ms: added('gateway', 'stream', 'ttfbP50Ms'),
    bare_added_p50_ms: added('bare-proxy', 'non-stream', 'p50Ms'),
    bare_added_stream_ttfb_p50_ms: added('bare-proxy', 'stream', 'ttfbP50Ms'),
    large_vs_small_cpu: round(
      Number(find('gateway (100k keys, 10k accounts)', 'non-stream', 32)?.cpu_us_per_req) /
        Number(find('gateway', 'non-stream', 32)?.cpu_us_per_req),
      3,
    ),
    errors: rows.reduce((sum, row) => sum + Number(row.errors), 0),
    translation: translation?.summary,
  };
  const stamp = new Date().toISOString().replaceAll(':', '-').slice(0, 19);
  const dir = join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const result = {
    at: new Date().toISOString(),
    duration_s: durationS,
    sequential: sequentialCount,
    summary,
    load: rows,
    sequential_probe: probes,
    memory,
    translation: translation?.rows,
  };
  writeFileSync(join(dir, `${stamp}.json`), `${JSON.stringify(result, null, 2)}\n`);
  const table = [
    '| target | mode | conns | req/s | CPU µs/req | mock CPU µs/req | p50 ms | p99 ms | errors |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.target} | ${r.mode} | ${r.connections} | ${r.rps} | ${r.cpu_us_per_req} | ${r.mock_cpu_us_per_req} | ${r.p50_ms} | ${r.p99_ms} | ${r.errors} |`,
    ),
    '',
    '| target | mode | seq p50 ms | seq p99 ms | TTFB p50 ms | TTFB p99 ms |',
    '|---|---|---|---|---|---|',
    ...probes.map(
      (p) => `| ${p.target} | ${p.mode} | ${p.p50Ms} | ${p.p99Ms} | ${p.ttfbP50Ms} | ${p.ttfbP99Ms} |`,
    ),
    '',
    '| scenario | idle RSS MB | peak RSS MB |',
    '|---|---|---|',
    ...memory.map((m) => `| ${m.scenario} | ${m.idle_rss_mb} | ${m.peak_rss_mb} |`),
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

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
function roundAll(values: Record<string, number>): Figures {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, round(v, 3)]));
}

await main();
