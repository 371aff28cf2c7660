import { MessagesStreamToChat, translationFor } from '@relay/translate';
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
  // Native and translated runs alternate, ROUNDS times, so drift in the machine's load (other processes,
  // the usage writer) hits both sides alike; each figure is the median over the rounds.
  const samples = new Map<
    string,
    { seq: number[]; ttfb: number[]; cpu: number[]; rps: number[]; errors: number }
  >();
  const perRound = Math.max(50, Math.round(options.sequentialCount / ROUNDS));
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const c of cases) {
      for (const stream of [false, true]) {
        const key = `${c.name}|${stream}`;
        const entry = samples.get(key) ?? { seq: [], ttfb: [], cpu: [], rps: [], errors: 0 };
        samples.set(key, entry);
        const request = requestOf(c, stream);
        const seq = await runSequential(request, perRound);
        const before = cpuMicros(gatewayPid);
        const load = await runLoad(request, 8, Math.max(1, Math.round(options.durationS / ROUNDS)));
        entry.seq.push(seq.p50Ms);
        entry.ttfb.push(seq.ttfbP50Ms);
        entry.cpu.push((cpuMicros(gatewayPid) - before) / Math.max(load.requests, 1));
        entry.rps.push(load.rps);
        entry.errors += seq.failures + load.errors + load.non2xx;
      }
    }
  }
  const rows: Array<Record<string, number | string>> = [];
  for (const c of cases) {
    for (const stream of [false, true]) {
      const entry = samples.get(`${c.name}|${stream}`);
      if (entry === undefined) continue;
      rows.push({
        case: c.name,
        mode: stream ? 'stream' : 'non-stream',
        seq_p50_ms: round(median(entry.seq)),
        ttfb_p50_ms: round(median(entry.ttfb)),
        cpu_us_per_req: Math.round(median(entry.cpu)),
        rps_8: Math.round(median(entry.rps)),
        errors: entry.errors,
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
    ...translatorCost(),
  };
  return { rows, summary };
}

/**
 * The translators alone, in process (no network, no noise from other processes): CPU to translate
 * the request body, a streamed answer of 40 text events, and its first event — what translation adds
 * to the time to first byte.
 */
function translatorCost(): Record<string, number> {
  const upstream = [
    `event: message_start\ndata: ${JSON.stringify({ type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], usage: { input_tokens: 200, output_tokens: 1 } } })}\n\n`,
    `event: content_block_start\ndata: ${JSON.stringify({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } })}\n\n`,
    ...Array.from(
      { length: 40 },
      (_, i) =>
        `event: content_block_delta\ndata: ${JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: ` word${i}` } })}\n\n`,
    ),
    `event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n`,
    `event: message_delta\ndata: ${JSON.stringify({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 40 } })}\n\n`,
    'event: message_stop\ndata: {"type":"message_stop"}\n\n',
  ].map((event) => Buffer.from(event));
  const request = JSON.parse(chatBody('claude-sonnet-4-5', true)) as Record<string, unknown>;
  const toMessages = translationFor('chat', 'messages');
  const time = (iterations: number, work: () => void) => {
    for (let i = 0; i < 2_000; i += 1) work();
    const started = process.cpuUsage();
    for (let i = 0; i < iterations; i += 1) work();
    const used = process.cpuUsage(started);
    return round((used.user + used.system) / iterations);
  };
  return {
    translator_request_us: time(20_000, () => {
      Buffer.from(JSON.stringify(toMessages?.request(request)));
    }),
    translator_first_event_us: time(20_000, () => {
      new MessagesStreamToChat({ includeUsage: false }).push(upstream[0] ?? '');
    }),
    translator_stream_of_40_events_us: time(5_000, () => {
      const translator = new MessagesStreamToChat({ includeUsage: true });
      for (const chunk of upstream) translator.push(chunk);
      translator.end();
    }),
  };
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

const ROUNDS = 3;
const round = (value: number) => Math.round(value * 1000) / 1000;
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
