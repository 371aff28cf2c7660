import type { MockAnswer } from './content.ts';
import { dataEvent, type JsonReply, jsonReply, namedEvent, type SseReply } from './reply.ts';
import { compileTemplate, slot } from './template.ts';
import { answerJson, type Turn } from './turn.ts';

/** OpenAI wire shapes: chat completions (plain and streamed), embeddings, Responses API, model list. */

const chatCompletion = compileTemplate({
  id: slot('id'),
  object: 'chat.completion',
  created: slot('created'),
  model: slot('model'),
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: slot('content'), refusal: null, annotations: [] },
      logprobs: null,
      finish_reason: 'stop',
    },
  ],
  usage: {
    prompt_tokens: slot('pt'),
    completion_tokens: slot('ct'),
    total_tokens: slot('tt'),
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  },
  service_tier: 'default',
  system_fingerprint: 'fp_mock',
});

const chunkHead = {
  id: slot('id'),
  object: 'chat.completion.chunk',
  created: slot('created'),
  model: slot('model'),
  service_tier: 'default',
  system_fingerprint: 'fp_mock',
};
const chatChunk = compileTemplate({ ...chunkHead, choices: slot('choices') });
// With include_usage every chunk carries `usage: null` and one extra chunk carries the totals.
const chatChunkWithUsageNull = compileTemplate({ ...chunkHead, choices: slot('choices'), usage: null });
const chatUsageChunk = compileTemplate({
  ...chunkHead,
  choices: [],
  usage: {
    prompt_tokens: slot('pt'),
    completion_tokens: slot('ct'),
    total_tokens: slot('tt'),
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
  },
});

const DONE_EVENT = 'data: [DONE]\n\n';
// Rendered in place of `choices` once per request; each event is then head + choices + tail.
const CHOICES_MARK = '\u0000';

const streamChoicesCache = new Map<MockAnswer, readonly string[]>();

/** The `choices` JSON of every chunk of an answer (role, each content piece, finish), built once. */
function streamChoices(answer: MockAnswer): readonly string[] {
  let cached = streamChoicesCache.get(answer);
  if (cached === undefined) {
    const choice = (delta: unknown, finish: string | null) =>
      JSON.stringify([{ index: 0, delta, logprobs: null, finish_reason: finish }]);
    cached = [
      choice({ role: 'assistant', content: '', refusal: null }, null),
      ...answer.chunks.map((content) => choice({ content }, null)),
      choice({}, 'stop'),
    ];
    streamChoicesCache.set(answer, cached);
  }
  return cached;
}

export function chatCompletionReply(t: Turn): JsonReply {
  return jsonReply(
    200,
    chatCompletion({
      id: `"chatcmpl-mock-${t.id}"`,
      created: t.created,
      model: t.modelJson,
      content: answerJson(t.answer).text,
      pt: t.promptTokens,
      ct: t.answer.completionTokens,
      tt: t.promptTokens + t.answer.completionTokens,
    }),
  );
}

export function chatCompletionStream(t: Turn, includeUsage: boolean): SseReply {
  const id = `"chatcmpl-mock-${t.id}"`;
  const render = includeUsage ? chatChunkWithUsageNull : chatChunk;
  const whole = render({ id, created: t.created, model: t.modelJson, choices: CHOICES_MARK });
  const mark = whole.indexOf(CHOICES_MARK);
  const head = `data: ${whole.slice(0, mark)}`;
  const tail = `${whole.slice(mark + 1)}\n\n`;
  const events: string[] = [];
  for (const choices of streamChoices(t.answer)) events.push(head + choices + tail);
  if (includeUsage) {
    const ct = t.answer.completionTokens;
    const usage = chatUsageChunk({
      id,
      created: t.created,
      model: t.modelJson,
      pt: t.promptTokens,
      ct,
      tt: t.promptTokens + ct,
    });
    events.push(dataEvent(usage));
  }
  events.push(DONE_EVENT);
  return { kind: 'sse', events };
}

const EMBEDDING_DIMENSIONS = 8;
const EMBEDDING_VECTOR = Array.from({ length: EMBEDDING_DIMENSIONS }, (_, i) => (i + 1) / 16);
const EMBEDDING_FLOAT_JSON = JSON.stringify(EMBEDDING_VECTOR);
// The official SDKs ask for base64 by default: little-endian float32 bytes.
const EMBEDDING_BASE64_JSON = JSON.stringify(
  Buffer.from(new Float32Array(EMBEDDING_VECTOR).buffer).toString('base64'),
);

/** The vector every embedding input gets (decoded from base64 when that format was asked). */
export const MOCK_EMBEDDING: readonly number[] = EMBEDDING_VECTOR;

const embeddingList = compileTemplate({
  object: 'list',
  data: slot('data'),
  model: slot('model'),
  usage: { prompt_tokens: slot('pt'), total_tokens: slot('pt') },
});

export function embeddingsReply(t: Turn, inputCount: number, base64: boolean): JsonReply {
  const vector = base64 ? EMBEDDING_BASE64_JSON : EMBEDDING_FLOAT_JSON;
  let data = '[';
  for (let i = 0; i < inputCount; i++) {
    if (i > 0) data += ',';
    data += `{"object":"embedding","index":${i},"embedding":${vector}}`;
  }
  data += ']';
  return jsonReply(200, embeddingList({ data, model: t.modelJson, pt: t.promptTokens }));
}

export function modelListBody(models: readonly string[], created: number): Buffer {
  return Buffer.from(
    JSON.stringify({
      object: 'list',
      data: models.map((id) => ({ id, object: 'model', created, owned_by: 'relay-mock' })),
    }),
  );
}

// --- Responses API -------------------------------------------------------------------------------

const responseObject = compileTemplate({
  id: slot('id'),
  object: 'response',
  created_at: slot('created'),
  status: slot('status'),
  error: null,
  incomplete_details: null,
  instructions: null,
  max_output_tokens: null,
  model: slot('model'),
  output: slot('output'),
  parallel_tool_calls: true,
  previous_response_id: null,
  reasoning: { effort: null, summary: null },
  store: false,
  temperature: 1,
  text: { format: { type: 'text' } },
  tool_choice: 'auto',
  tools: [],
  top_p: 1,
  truncation: 'disabled',
  usage: slot('usage'),
  user: null,
  metadata: {},
});

const responseUsage = compileTemplate({
  input_tokens: slot('it'),
  input_tokens_details: { cached_tokens: 0 },
  output_tokens: slot('ot'),
  output_tokens_details: { reasoning_tokens: 0 },
  total_tokens: slot('tt'),
});

const outputMessage = compileTemplate({
  id: slot('id'),
  type: 'message',
  status: slot('status'),
  role: 'assistant',
  content: slot('content'),
});

const outputText = compileTemplate({ type: 'output_text', text: slot('text'), annotations: [] });

function responseIds(t: Turn): { id: string; msgId: string } {
  return { id: `"resp_mock_${t.id}"`, msgId: `"msg_mock_${t.id}"` };
}

function completedResponse(t: Turn): string {
  const { id, msgId } = responseIds(t);
  const ct = t.answer.completionTokens;
  const content = `[${outputText({ text: answerJson(t.answer).text })}]`;
  return responseObject({
    id,
    created: t.created,
    status: '"completed"',
    model: t.modelJson,
    output: `[${outputMessage({ id: msgId, status: '"completed"', content })}]`,
    usage: responseUsage({ it: t.promptTokens, ot: ct, tt: t.promptTokens + ct }),
  });
}

export function responsesReply(t: Turn): JsonReply {
  return jsonReply(200, completedResponse(t));
}

/** The Responses API event sequence (`event:` lines, `sequence_number`, no `[DONE]`). */
export function responsesStream(t: Turn): SseReply {
  const { id, msgId } = responseIds(t);
  const text = answerJson(t.answer).text;
  const inProgress = responseObject({
    id,
    created: t.created,
    status: '"in_progress"',
    model: t.modelJson,
    output: '[]',
    usage: 'null',
  });
  const events: string[] = [];
  let seq = 0;
  const push = (type: string, fields: string) => {
    events.push(namedEvent(type, `{"type":"${type}","sequence_number":${seq++},${fields}}`));
  };
  const at = `"item_id":${msgId},"output_index":0,"content_index":0`;
  push('response.created', `"response":${inProgress}`);
  push('response.in_progress', `"response":${inProgress}`);
  push(
    'response.output_item.added',
    `"output_index":0,"item":${outputMessage({ id: msgId, status: '"in_progress"', content: '[]' })}`,
  );
  push('response.content_part.added', `${at},"part":${outputText({ text: '""' })}`);
  for (const piece of answerJson(t.answer).chunks) {
    push('response.output_text.delta', `${at},"delta":${piece},"logprobs":[]`);
  }
  push('response.output_text.done', `${at},"text":${text},"logprobs":[]`);
  push('response.content_part.done', `${at},"part":${outputText({ text })}`);
  const item = outputMessage({ id: msgId, status: '"completed"', content: `[${outputText({ text })}]` });
  push('response.output_item.done', `"output_index":0,"item":${item}`);
  push('response.completed', `"response":${completedResponse(t)}`);
  return { kind: 'sse', events };
}
