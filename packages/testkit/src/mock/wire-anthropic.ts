import { type JsonReply, jsonReply, namedEvent, type SseReply } from './reply.ts';
import { compileTemplate, slot } from './template.ts';
import { answerJson, type Turn } from './turn.ts';

/** Anthropic Messages API wire shapes: a message, its SSE event sequence, count_tokens, model list. */

const message = compileTemplate({
  id: slot('id'),
  type: 'message',
  role: 'assistant',
  model: slot('model'),
  content: [{ type: 'text', text: slot('text') }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: {
    input_tokens: slot('it'),
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: slot('ot'),
    service_tier: 'standard',
  },
});

const messageStart = compileTemplate({
  type: 'message_start',
  message: {
    id: slot('id'),
    type: 'message',
    role: 'assistant',
    model: slot('model'),
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: {
      input_tokens: slot('it'),
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: 1,
      service_tier: 'standard',
    },
  },
});

const CONTENT_BLOCK_START = namedEvent(
  'content_block_start',
  '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}',
);
const PING = namedEvent('ping', '{"type":"ping"}');
const CONTENT_BLOCK_STOP = namedEvent('content_block_stop', '{"type":"content_block_stop","index":0}');
const MESSAGE_STOP = namedEvent('message_stop', '{"type":"message_stop"}');

function messageId(t: Turn): string {
  return `"msg_mock_${t.id}"`;
}

export function messageReply(t: Turn): JsonReply {
  return jsonReply(
    200,
    message({
      id: messageId(t),
      model: t.modelJson,
      text: answerJson(t.answer).text,
      it: t.promptTokens,
      ot: t.answer.completionTokens,
    }),
  );
}

export function messageStream(t: Turn): SseReply {
  const events: string[] = [
    namedEvent('message_start', messageStart({ id: messageId(t), model: t.modelJson, it: t.promptTokens })),
    CONTENT_BLOCK_START,
    PING,
  ];
  for (const piece of answerJson(t.answer).chunks) {
    events.push(
      namedEvent(
        'content_block_delta',
        `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":${piece}}}`,
      ),
    );
  }
  events.push(
    CONTENT_BLOCK_STOP,
    namedEvent(
      'message_delta',
      `{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":${t.answer.completionTokens}}}`,
    ),
    MESSAGE_STOP,
  );
  return { kind: 'sse', events };
}

export function countTokensReply(inputTokens: number): JsonReply {
  return jsonReply(200, `{"input_tokens":${inputTokens}}`);
}

export function anthropicModelListBody(models: readonly string[], createdAt: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      data: models.map((id) => ({ type: 'model', id, display_name: id, created_at: createdAt })),
      has_more: false,
      first_id: models[0] ?? null,
      last_id: models[models.length - 1] ?? null,
    }),
  );
}
