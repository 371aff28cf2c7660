import { runLoad } from './load.ts';
import { cpuMicros } from './proc-stats.ts';
import { runSequential } from './sequential.ts';

/**
 * What translation costs on the hot path: the same gateway, the same mock answer, one request
 * relayed natively and one translated, compared pairwise.
 * - messages → chat: the Anthropic route on an OpenAI-platform key vs the chat route on that key;
 * - chat → messages: the chat route on an Anthropic-platform key vs the Messages route on that key.
 * Figures: sequential time to first byte (p50) of streams, and gateway CPU per request under load.
 */

const SYSTEM = 'You are a careful assistant. '.repeat(30);
const QUESTION = 'Summarise the benefits of connection pooling in two sentences.';

const chatBody = (model: string, stream: boolean) =>
  JSON.stringify({
    model,
    stream,
    messages: [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: QUESTION },
    ],
  });
const messagesBody = (model: string, stream: boolean) =>
  JSON.stringify({
    model,
    stream,
    max_tokens: 256,
    system: SYSTEM,
    messages: [{ role: 'user', content: QUESTION }],
  });

type Case = {
  name: string;
  path: string;
  key: string;
  body: (stream: boolean) => string;
  translated: boolean;
};

export type TranslationFigures = {
  rows: Array<Record<string, number | string>>;
  summary: Record<string, number>;
};

export async function benchTranslation(options: {
  gatewayUrl: string;
  gatewayPid: number;
  openaiKey: string;
  anthropicKey: string;
  sequentialCount: number;
  durationS: number;
}): Promise<TranslationFigures> {
  const { gatewayUrl, gatewayPid, openaiKey, anthropicKey } = options;
  const cases: Case[] = [
    {
      name: 'chat native',
      path: '/v1/chat/completions',
      key: openaiKey,
      body: (s) => chatBody('gpt-4o-mini', s),
      translated: false,
    },
    {
      name: 'messages → chat',
      path: '/v1/messages',
      key: openaiKey,
      body: (s) => messagesBody('gpt-4o-mini', s),
      translated: true,
    },
    {
      name: 'messages native',
      path: '/v1/messages',
      key: anthropicKey,
      body: (s) => messagesBody('claude-sonnet-4-5', s),
      translated: false,
    },
    {
      name: 'chat → messages',
      path: '/v1/chat/completions',
      key: anthropicKey,
      body: (s) => chatBody('claude-sonnet-4-5', s),
      translated: true,
    },
  ];
  const requestOf = (c: Case, stream: boolean) => ({
    url: `${gatewayUrl}${c.path}`,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${c.key}` },
    body: c.body(stream),
  });
  // Every code path warm (JIT, pools) before anything is timed: the first case must not pay for it.
  for (const c of cases) {
    for (const stream of [false, true]) {
      await runLoad(requestOf(c, stream), 8, 1);
      await runSequential(requestOf(c, stream), 100);
    }
  }
  const rows: Array<Record<string, number | string>> = [];
  for (const c of cases) {
    for (const stream of [false, true]) {
      const request = requestOf(c, stream);
      const seq = await runSequential(request, options.sequentialCount);
      const before = cpuMicros(gatewayPid);
      const load = await runLoad(request, 8, options.durationS);
      const cpu = (cpuMicros(gatewayPid) - before) / Math.max(load.requests, 1);
      rows.push({
        case: c.name,
        mode: stream ? 'stream' : 'non-stream',
        seq_p50_ms: round(seq.p50Ms),
        ttfb_p50_ms: round(seq.ttfbP50Ms),
        cpu_us_per_req: Math.round(cpu),
        rps_8: load.rps,
        errors: seq.failures + load.errors + load.non2xx,
      });
    }
  }
  const row = (name: string, mode: string) => rows.find((r) => r.case === name && r.mode === mode);
  const diff = (a: string, b: string, mode: string, field: string) =>
    round(Number(row(a, mode)?.[field]) - Number(row(b, mode)?.[field]));
  const summary = {
    messages_to_chat_added_stream_ttfb_p50_ms: diff(
      'messages → chat',
      'chat native',
      'stream',
      'ttfb_p50_ms',
    ),
    chat_to_messages_added_stream_ttfb_p50_ms: diff(
      'chat → messages',
      'messages native',
      'stream',
      'ttfb_p50_ms',
    ),
    messages_to_chat_added_cpu_us_non_stream: diff(
      'messages → chat',
      'chat native',
      'non-stream',
      'cpu_us_per_req',
    ),
    messages_to_chat_added_cpu_us_stream: diff('messages → chat', 'chat native', 'stream', 'cpu_us_per_req'),
    chat_to_messages_added_cpu_us_non_stream: diff(
      'chat → messages',
      'messages native',
      'non-stream',
      'cpu_us_per_req',
    ),
    chat_to_messages_added_cpu_us_stream: diff(
      'chat → messages',
      'messages native',
      'stream',
      'cpu_us_per_req',
    ),
    errors: rows.reduce((sum, r) => sum + Number(r.errors), 0),
  };
  return { rows, summary };
}

export function translationTable(figures: TranslationFigures): string {
  return [
    '| translation case | mode | seq p50 ms | TTFB p50 ms | CPU µs/req (8 conns) | req/s (8 conns) | errors |',
    '|---|---|---|---|---|---|---|',
    ...figures.rows.map(
      (r) =>
        `| ${r.case} | ${r.mode} | ${r.seq_p50_ms} | ${r.ttfb_p50_ms} | ${r.cpu_us_per_req} | ${r.rps_8} | ${r.errors} |`,
    ),
  ].join('\n');
}

const round = (value: number) => Math.round(value * 1000) / 1000;
