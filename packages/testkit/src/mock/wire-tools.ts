import { dataEvent, type JsonReply, jsonReply, namedEvent, type SseReply } from './reply.ts';
import type { Turn } from './turn.ts';

/**
 * Tool calls, for clients that test tool round trips: when a request offers tools and its last user
 * text asks to "use a tool", the mock calls the first tool with MOCK_TOOL_ARGUMENTS instead of
 * answering; once the tool's result comes back (the last message is a tool result) it answers text.
 */

export const MOCK_TOOL_TRIGGER = /use a tool/i;
export const MOCK_TOOL_ARGUMENTS = { city: 'Paris' } as const;
/** Completion tokens the mock reports for a tool call answer. */
export const MOCK_TOOL_CALL_TOKENS = 12;

const ARGUMENT_PIECES = ['{"city":', '"Paris"}'];

export type ToolCall = { id: string; name: string };

/** The tool to call for this request, or undefined when the mock should answer text. */
export function toolToCall(body: Readonly<Record<string, unknown>>, lastUserText: string, turnId: number) {
  const tools = body.tools;
  if (!Array.isArray(tools) || tools.length === 0 || !MOCK_TOOL_TRIGGER.test(lastUserText)) return undefined;
  if (endsWithToolResult(body.messages)) return undefined;
  const first = tools[0] as { name?: unknown; function?: { name?: unknown } };
  const name = typeof first.name === 'string' ? first.name : first.function?.name;
  if (typeof name !== 'string') return undefined;
  return { id: `call_mock_${turnId}`, name };
}

function endsWithToolResult(messages: unknown): boolean {
  if (!Array.isArray(messages) || messages.length === 0) return false;
  const last = messages[messages.length - 1] as { role?: unknown; content?: unknown };
  if (last.role === 'tool') return true;
  return (
    Array.isArray(last.content) &&
    last.content.some((block) => (block as { type?: unknown } | null)?.type === 'tool_result')
  );
}

const ARGUMENTS = JSON.stringify(MOCK_TOOL_ARGUMENTS);

export function chatToolCallReply(t: Turn, call: ToolCall): JsonReply {
  return jsonReply(
    200,
    JSON.stringify({
      id: `chatcmpl-mock-${t.id}`,
      object: 'chat.completion',
      created: t.created,
      model: JSON.parse(t.modelJson),
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: null,
            refusal: null,
            tool_calls: [
              { id: call.id, type: 'function', function: { name: call.name, arguments: ARGUMENTS } },
            ],
          },
          logprobs: null,
          finish_reason: 'tool_calls',
        },
      ],
      usage: {
        prompt_tokens: t.promptTokens,
        completion_tokens: MOCK_TOOL_CALL_TOKENS,
        total_tokens: t.promptTokens + MOCK_TOOL_CALL_TOKENS,
      },
    }),
  );
}

export function chatToolCallStream(t: Turn, call: ToolCall, includeUsage: boolean): SseReply {
  const chunk = (choices: unknown[], usage?: unknown) =>
    dataEvent(
      JSON.stringify({
        id: `chatcmpl-mock-${t.id}`,
        object: 'chat.completion.chunk',
        created: t.created,
        model: JSON.parse(t.modelJson),
        choices,
        ...(usage === undefined ? {} : { usage }),
      }),
    );
  const delta = (d: unknown, finish: string | null = null) => [
    { index: 0, delta: d, logprobs: null, finish_reason: finish },
  ];
  const events = [
    chunk(delta({ role: 'assistant', content: null })),
    chunk(
      delta({
        tool_calls: [
          { index: 0, id: call.id, type: 'function', function: { name: call.name, arguments: '' } },
        ],
      }),
    ),
    ...ARGUMENT_PIECES.map((piece) =>
      chunk(delta({ tool_calls: [{ index: 0, function: { arguments: piece } }] })),
    ),
    chunk(delta({}, 'tool_calls')),
  ];
  if (includeUsage) {
    events.push(
      chunk([], {
        prompt_tokens: t.promptTokens,
        completion_tokens: MOCK_TOOL_CALL_TOKENS,
        total_tokens: t.promptTokens + MOCK_TOOL_CALL_TOKENS,
      }),
    );
  }
  events.push('data: [DONE]\n\n');
  return { kind: 'sse', events };
}

export function messageToolUseReply(t: Turn, call: ToolCall): JsonReply {
  return jsonReply(
    200,
    JSON.stringify({
      id: `msg_mock_${t.id}`,
      type: 'message',
      role: 'assistant',
      model: JSON.parse(t.modelJson),
      content: [{ type: 'tool_use', id: call.id, name: call.name, input: MOCK_TOOL_ARGUMENTS }],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: {
        input_tokens: t.promptTokens,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        output_tokens: MOCK_TOOL_CALL_TOKENS,
      },
    }),
  );
}

export function messageToolUseStream(t: Turn, call: ToolCall): SseReply {
  const event = (type: string, payload: Record<string, unknown>) =>
    namedEvent(type, JSON.stringify({ type, ...payload }));
  return {
    kind: 'sse',
    events: [
      event('message_start', {
        message: {
          id: `msg_mock_${t.id}`,
          type: 'message',
          role: 'assistant',
          model: JSON.parse(t.modelJson),
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: {
            input_tokens: t.promptTokens,
            cache_creation_input_tokens: 0,
            cache_read_input_tokens: 0,
            output_tokens: 1,
          },
        },
      }),
      event('content_block_start', {
        index: 0,
        content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} },
      }),
      ...ARGUMENT_PIECES.map((partial_json) =>
        event('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json } }),
      ),
      event('content_block_stop', { index: 0 }),
      event('message_delta', {
        delta: { stop_reason: 'tool_use', stop_sequence: null },
        usage: { output_tokens: MOCK_TOOL_CALL_TOKENS },
      }),
      event('message_stop', {}),
    ],
  };
}
