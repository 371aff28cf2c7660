import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ChatStreamToMessages,
  chatToMessagesRequest,
  chatToMessagesResponse,
  messagesToChatRequest,
  messagesToChatResponse,
} from '../src/index.ts';
import { parseSse, sse } from './sse.ts';
import {
  anthropicMessageSchema,
  anthropicRequestSchema,
  chatCompletionSchema,
  chatRequestSchema,
} from './wire-schemas.ts';

const text = fc.string({ minLength: 1, maxLength: 20 });
const id = fc.stringMatching(/^[a-z][a-z0-9_]{2,12}$/);
const toolName = fc.constantFrom('weather', 'time', 'search');
const args = fc.dictionary(
  fc.stringMatching(/^[a-z]{1,6}$/),
  fc.oneof(fc.string(), fc.integer(), fc.boolean()),
  {
    maxKeys: 3,
  },
);
const base64Image = fc
  .base64String({ minLength: 4, maxLength: 16 })
  .map((data) => ({ type: 'image', source: { type: 'base64', media_type: 'image/png', data } }));
const urlImage = fc.webUrl().map((url) => ({ type: 'image', source: { type: 'url', url } }));
const tool = toolName.map((name) => ({
  name,
  description: `${name} tool`,
  input_schema: { type: 'object', properties: { q: { type: 'string' } } },
}));

/**
 * Anthropic requests in the invertible subset: alternating turns, one text block per assistant turn
 * (chat joins texts), tool results answering the previous turn's tool uses, at most one text block
 * unless images come with it.
 */
const anthropicRequest = fc
  .record({
    model: id,
    max_tokens: fc.integer({ min: 1, max: 100_000 }),
    system: fc.option(text, { nil: undefined }),
    turns: fc.array(
      fc.record({
        userText: fc.option(text, { nil: undefined }),
        images: fc.array(fc.oneof(base64Image, urlImage), { maxLength: 2 }),
        answer: fc.option(text, { nil: undefined }),
        calls: fc.array(fc.record({ id, name: toolName, input: args }), { maxLength: 2 }),
      }),
      { minLength: 1, maxLength: 4 },
    ),
    temperature: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
    stop: fc.option(fc.array(text, { minLength: 1, maxLength: 3 }), { nil: undefined }),
    tools: fc.option(fc.uniqueArray(tool, { minLength: 1, maxLength: 3, selector: (t) => t.name }), {
      nil: undefined,
    }),
    choice: fc.constantFrom('auto', 'any', 'none', undefined),
    stream: fc.boolean(),
  })
  .map((r) => {
    const messages: Array<{ role: string; content: unknown[] }> = [];
    let pending: string[] = [];
    r.turns.forEach((turn, index) => {
      const content: unknown[] = pending.map((toolUseId, n) => ({
        type: 'tool_result',
        tool_use_id: toolUseId,
        content: `result ${n}`,
      }));
      content.push(...turn.images);
      if (turn.userText !== undefined || content.length === 0) {
        content.push({ type: 'text', text: turn.userText ?? 'go' });
      }
      messages.push({ role: 'user', content });
      const calls = turn.calls.map((call, n) => ({ ...call, id: `${call.id}_${index}_${n}` }));
      const answer: unknown[] = [];
      if (turn.answer !== undefined || calls.length === 0)
        answer.push({ type: 'text', text: turn.answer ?? 'ok' });
      answer.push(...calls.map((call) => ({ type: 'tool_use', ...call })));
      messages.push({ role: 'assistant', content: answer });
      pending = calls.map((call) => call.id);
    });
    if (pending.length > 0) {
      messages.push({
        role: 'user',
        content: pending.map((toolUseId) => ({
          type: 'tool_result',
          tool_use_id: toolUseId,
          content: 'done',
        })),
      });
    }
    const body: Record<string, unknown> = { model: r.model, max_tokens: r.max_tokens, messages };
    if (r.system !== undefined) body.system = r.system;
    if (r.temperature !== undefined) body.temperature = r.temperature;
    if (r.stop !== undefined) body.stop_sequences = r.stop;
    if (r.stream) body.stream = true;
    if (r.tools !== undefined) {
      body.tools = r.tools;
      if (r.choice !== undefined) body.tool_choice = { type: r.choice };
    }
    return body;
  });

/** Any well-formed chat request: system/developer anywhere, text or part content, tool calls and answers. */
const chatRequest = fc
  .record({
    model: id,
    leading: fc.array(fc.record({ role: fc.constantFrom('system', 'developer'), content: text }), {
      maxLength: 2,
    }),
    turns: fc.array(
      fc.record({
        user: fc.oneof(
          text,
          fc.array(
            fc.oneof(
              text.map((t) => ({ type: 'text', text: t })),
              fc.webUrl().map((url) => ({ type: 'image_url', image_url: { url } })),
            ),
            { minLength: 1, maxLength: 3 },
          ),
        ),
        answer: fc.option(text, { nil: null }),
        calls: fc.array(fc.record({ id, name: toolName, input: args }), { maxLength: 2 }),
        results: fc.boolean(),
      }),
      { minLength: 1, maxLength: 4 },
    ),
    maxTokens: fc.option(fc.integer({ min: 1, max: 64_000 }), { nil: undefined }),
    temperature: fc.option(fc.double({ min: 0, max: 2, noNaN: true }), { nil: undefined }),
    stop: fc.option(fc.oneof(text, fc.array(text, { minLength: 1, maxLength: 4 })), { nil: undefined }),
    tools: fc.option(fc.uniqueArray(toolName, { minLength: 1, maxLength: 3 }), { nil: undefined }),
    choice: fc.constantFrom('auto', 'required', 'none', undefined),
    parallel: fc.option(fc.boolean(), { nil: undefined }),
  })
  .map((r) => {
    const messages: unknown[] = [...r.leading];
    r.turns.forEach((turn, index) => {
      messages.push({ role: 'user', content: turn.user });
      const calls = turn.calls.map((call, n) => ({
        id: `${call.id}_${index}_${n}`,
        type: 'function',
        function: { name: call.name, arguments: JSON.stringify(call.input) },
      }));
      const answer: Record<string, unknown> = {
        role: 'assistant',
        content: calls.length === 0 ? (turn.answer ?? 'ok') : turn.answer,
      };
      if (calls.length > 0) answer.tool_calls = calls;
      messages.push(answer);
      if (turn.results || index < r.turns.length - 1) {
        for (const call of calls) messages.push({ role: 'tool', tool_call_id: call.id, content: 'done' });
      }
    });
    const body: Record<string, unknown> = { model: r.model, messages };
    if (r.maxTokens !== undefined) body.max_tokens = r.maxTokens;
    if (r.temperature !== undefined) body.temperature = r.temperature;
    if (r.stop !== undefined) body.stop = r.stop;
    if (r.tools !== undefined) {
      body.tools = r.tools.map((name) => ({
        type: 'function',
        function: { name, parameters: { type: 'object' } },
      }));
      if (r.choice !== undefined) body.tool_choice = r.choice;
      if (r.parallel !== undefined) body.parallel_tool_calls = r.parallel;
    }
    return body;
  });

const explain = (result: { success: boolean; error?: unknown }) =>
  result.success ? '' : String(result.error);

describe('translated requests are valid for their target API', () => {
  it('chat → messages', () => {
    fc.assert(
      fc.property(chatRequest, (chat) => {
        expect(chatRequestSchema.safeParse(chat).success).toBe(true);
        const result = anthropicRequestSchema.safeParse(chatToMessagesRequest(chat));
        expect(explain(result)).toBe('');
      }),
      { numRuns: 300 },
    );
  });

  it('messages → chat', () => {
    fc.assert(
      fc.property(anthropicRequest, (body) => {
        expect(explain(anthropicRequestSchema.safeParse(body))).toBe('');
        expect(explain(chatRequestSchema.safeParse(messagesToChatRequest(body)))).toBe('');
      }),
      { numRuns: 300 },
    );
  });
});

describe('round trips', () => {
  it('messages → chat → messages gives the request back', () => {
    fc.assert(
      fc.property(anthropicRequest, (body) => {
        expect(chatToMessagesRequest(messagesToChatRequest(body))).toEqual(body);
      }),
      { numRuns: 300 },
    );
  });

  it('a chat completion → message → chat completion keeps content, tool calls, finish reason and usage', () => {
    const completion = fc
      .record({
        content: fc.option(text, { nil: null }),
        calls: fc.array(fc.record({ id, name: toolName, input: args }), { maxLength: 3 }),
        finish: fc.constantFrom('stop', 'length', 'tool_calls', 'content_filter'),
        prompt: fc.nat(10_000),
        cached: fc.nat(10_000),
        completion: fc.nat(10_000),
      })
      .map((r) => ({
        id: 'chatcmpl-x',
        object: 'chat.completion',
        created: 1,
        model: 'm',
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: r.content ?? (r.calls.length > 0 ? null : ''),
              refusal: null,
              ...(r.calls.length > 0
                ? {
                    tool_calls: r.calls.map((c, n) => ({
                      id: `${c.id}_${n}`,
                      type: 'function',
                      function: { name: c.name, arguments: JSON.stringify(c.input) },
                    })),
                  }
                : {}),
            },
            logprobs: null,
            finish_reason: r.finish,
          },
        ],
        usage: {
          prompt_tokens: r.prompt + Math.min(r.cached, r.prompt),
          completion_tokens: r.completion,
          total_tokens: r.prompt + Math.min(r.cached, r.prompt) + r.completion,
          prompt_tokens_details: { cached_tokens: Math.min(r.cached, r.prompt) },
        },
      }));
    fc.assert(
      fc.property(completion, (chat) => {
        const message = chatToMessagesResponse(chat);
        expect(explain(anthropicMessageSchema.safeParse(message))).toBe('');
        const back = messagesToChatResponse(message, 1);
        expect(explain(chatCompletionSchema.safeParse(back))).toBe('');
        expect(back).toEqual(chat);
      }),
      { numRuns: 300 },
    );
  });
});

describe('a translated chat stream is a well-formed Anthropic stream', () => {
  const chunk = fc.oneof(
    text.map((content) => ({ content })),
    text.map((reasoning_content) => ({ reasoning_content })),
    fc.record({ index: fc.nat(2), arguments: fc.string({ maxLength: 10 }) }).map((call) => ({
      tool_calls: [
        { index: call.index, id: `call_${call.index}`, function: { name: 'f', arguments: call.arguments } },
      ],
    })),
  );

  it('balanced blocks, deltas only into the open block, one message_delta and message_stop at the end', () => {
    fc.assert(
      fc.property(fc.array(chunk, { maxLength: 20 }), fc.integer({ min: 1, max: 64 }), (deltas, piece) => {
        const upstream = sse([
          ...deltas.map((delta) => ({
            id: 'c',
            model: 'm',
            choices: [{ index: 0, delta, finish_reason: null }],
          })),
          { id: 'c', model: 'm', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
          { id: 'c', model: 'm', choices: [], usage: { prompt_tokens: 3, completion_tokens: 4 } },
          '[DONE]',
        ]);
        const translator = new ChatStreamToMessages();
        let out = '';
        for (let at = 0; at < upstream.length; at += piece)
          out += translator.push(upstream.slice(at, at + piece));
        const events = parseSse(out + translator.end());
        expect(events[0]?.event).toBe('message_start');
        expect(events.slice(-2).map((e) => e.event)).toEqual(['message_delta', 'message_stop']);
        let open: number | undefined;
        let next = 0;
        let text = '';
        for (const { event, data } of events.slice(1, -2)) {
          expect(data.type).toBe(event);
          if (event === 'content_block_start') {
            expect(open).toBeUndefined();
            expect(data.index).toBe(next);
            open = next++;
          } else if (event === 'content_block_stop') {
            expect(data.index).toBe(open);
            open = undefined;
          } else {
            expect(event).toBe('content_block_delta');
            expect(data.index).toBe(open);
            if (data.delta.type === 'text_delta') text += data.delta.text;
          }
        }
        expect(open).toBeUndefined();
        expect(text).toBe(deltas.map((d) => ('content' in d ? d.content : '')).join(''));
        expect(events.at(-2)?.data.usage).toMatchObject({ input_tokens: 3, output_tokens: 4 });
      }),
      { numRuns: 200 },
    );
  });
});
