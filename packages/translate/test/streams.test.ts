import { describe, expect, it } from 'vitest';
import {
  ChatStreamToMessages,
  ChatStreamToResponses,
  MessagesStreamToChat,
  translationFor,
} from '../src/index.ts';
import { parseSse, sse } from './sse.ts';

const anthropicStream = sse([
  [
    'message_start',
    {
      type: 'message_start',
      message: {
        id: 'msg_1',
        model: 'claude-x',
        usage: { input_tokens: 12, cache_read_input_tokens: 3, output_tokens: 1 },
      },
    },
  ],
  [
    'content_block_start',
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
  ],
  ['ping', { type: 'ping' }],
  [
    'content_block_delta',
    { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Héllo' } },
  ],
  ['content_block_stop', { type: 'content_block_stop', index: 0 }],
  [
    'content_block_start',
    {
      type: 'content_block_start',
      index: 1,
      content_block: { type: 'tool_use', id: 'toolu_1', name: 'weather', input: {} },
    },
  ],
  [
    'content_block_delta',
    { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"city":' } },
  ],
  [
    'content_block_delta',
    { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '"Paris"}' } },
  ],
  ['content_block_stop', { type: 'content_block_stop', index: 1 }],
  [
    'message_delta',
    {
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: { output_tokens: 20 },
    },
  ],
  ['message_stop', { type: 'message_stop' }],
]);

const chatStream = sse([
  {
    id: 'c1',
    model: 'deepseek-chat',
    choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }],
  },
  {
    id: 'c1',
    model: 'deepseek-chat',
    choices: [{ index: 0, delta: { reasoning_content: 'think' }, finish_reason: null }],
  },
  {
    id: 'c1',
    model: 'deepseek-chat',
    choices: [{ index: 0, delta: { content: 'Sure' }, finish_reason: null }],
  },
  { id: 'c1', model: 'deepseek-chat', choices: [{ index: 0, delta: { content: '…' }, finish_reason: null }] },
  {
    id: 'c1',
    model: 'deepseek-chat',
    choices: [
      {
        index: 0,
        delta: {
          tool_calls: [
            { index: 0, id: 'call_1', type: 'function', function: { name: 'weather', arguments: '' } },
          ],
        },
        finish_reason: null,
      },
    ],
  },
  {
    id: 'c1',
    model: 'deepseek-chat',
    choices: [
      {
        index: 0,
        delta: { tool_calls: [{ index: 0, function: { arguments: '{"city":"Rome"}' } }] },
        finish_reason: null,
      },
    ],
  },
  {
    id: 'c1',
    model: 'deepseek-chat',
    choices: [
      {
        index: 0,
        delta: {
          tool_calls: [
            { index: 1, id: 'call_2', type: 'function', function: { name: 'time', arguments: '{}' } },
          ],
        },
        finish_reason: null,
      },
    ],
  },
  { id: 'c1', model: 'deepseek-chat', choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] },
  {
    id: 'c1',
    model: 'deepseek-chat',
    choices: [],
    usage: {
      prompt_tokens: 30,
      completion_tokens: 8,
      total_tokens: 38,
      prompt_tokens_details: { cached_tokens: 10 },
    },
  },
  '[DONE]',
]);

function run(translator: { push(c: string): string; end(): string }, text: string, pieces = 1): string {
  const size = Math.ceil(text.length / pieces);
  let out = '';
  for (let at = 0; at < text.length; at += size) out += translator.push(text.slice(at, at + size));
  return out + translator.end();
}

describe('Anthropic stream → chat chunks', () => {
  it('translates text, tool call deltas, finish reason and the usage chunk', () => {
    const events = parseSse(
      run(new MessagesStreamToChat({ includeUsage: true, created: 1 }), anthropicStream),
    );
    const deltas = events.slice(0, -1).map((e) => e.data.choices[0]?.delta ?? e.data.usage);
    expect(deltas).toEqual([
      { role: 'assistant', content: '' },
      { content: 'Héllo' },
      {
        tool_calls: [
          { index: 0, id: 'toolu_1', type: 'function', function: { name: 'weather', arguments: '' } },
        ],
      },
      { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] },
      {},
      {
        prompt_tokens: 15,
        completion_tokens: 20,
        total_tokens: 35,
        prompt_tokens_details: { cached_tokens: 3 },
      },
    ]);
    expect(events[5]?.data.choices[0].finish_reason).toBe('tool_calls');
    expect(events.every((e) => e.event === undefined)).toBe(true);
    expect(events.at(-1)?.data).toBe('[DONE]');
    expect(events[0]?.data).toMatchObject({
      id: 'msg_1',
      object: 'chat.completion.chunk',
      model: 'claude-x',
      created: 1,
    });
  });

  it('leaves the usage chunk out unless the client asked for it', () => {
    const events = parseSse(run(new MessagesStreamToChat({ includeUsage: false }), anthropicStream));
    expect(events.some((e) => typeof e.data === 'object' && 'usage' in e.data)).toBe(false);
  });

  it('ends a cut stream with one OpenAI error event', () => {
    const translator = new MessagesStreamToChat({ includeUsage: false });
    const half = anthropicStream.slice(0, anthropicStream.indexOf('"Paris"'));
    translator.push(half);
    expect(parseSse(translator.fail('upstream stream was interrupted'))).toEqual([
      {
        event: undefined,
        data: {
          error: {
            message: 'upstream stream was interrupted',
            type: 'api_error',
            code: 'UPSTREAM_ERROR',
            param: null,
          },
        },
      },
    ]);
    expect(translator.end()).toBe('');
  });

  it('turns an upstream error event into the OpenAI error shape', () => {
    const out = run(
      new MessagesStreamToChat({ includeUsage: false }),
      sse([['error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }]]),
    );
    expect(parseSse(out)).toEqual([
      { event: undefined, data: { error: expect.objectContaining({ message: 'Overloaded' }) } },
    ]);
  });
});

describe('chat chunks → Anthropic stream', () => {
  it('opens and closes a block per kind, streams tool arguments, ends with usage', () => {
    const events = parseSse(run(new ChatStreamToMessages('fallback'), chatStream));
    expect(events.map((e) => e.event)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(events.every((e) => e.event === e.data.type)).toBe(true);
    expect(events[0]?.data.message).toMatchObject({
      id: 'c1',
      model: 'deepseek-chat',
      role: 'assistant',
      content: [],
    });
    expect(events[1]?.data.content_block).toEqual({ type: 'thinking', thinking: '', signature: '' });
    expect(events[4]?.data).toEqual({
      type: 'content_block_start',
      index: 1,
      content_block: { type: 'text', text: '' },
    });
    expect(events[8]?.data).toEqual({
      type: 'content_block_start',
      index: 2,
      content_block: { type: 'tool_use', id: 'call_1', name: 'weather', input: {} },
    });
    expect(events[9]?.data.delta).toEqual({ type: 'input_json_delta', partial_json: '{"city":"Rome"}' });
    expect(events[11]?.data.content_block).toMatchObject({ id: 'call_2', name: 'time' });
    expect(events[14]?.data).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: {
        input_tokens: 20,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 10,
        output_tokens: 8,
      },
    });
  });

  it('closes the message when the upstream ends without [DONE], and fails with an Anthropic error event', () => {
    const noDone = chatStream.slice(0, chatStream.indexOf('data: [DONE]'));
    expect(parseSse(run(new ChatStreamToMessages(), noDone)).at(-1)?.event).toBe('message_stop');
    const translator = new ChatStreamToMessages();
    translator.push(noDone.slice(0, 300));
    expect(parseSse(translator.fail('cut'))).toEqual([
      { event: 'error', data: { type: 'error', error: { type: 'api_error', message: 'cut' } } },
    ]);
  });
});

describe('chat chunks → Responses stream', () => {
  it('emits created, items with their deltas and done events, and completed with usage', () => {
    const events = parseSse(
      run(
        new ChatStreamToResponses(
          {
            model: 'm',
            instructions: null,
            tools: [],
            toolChoice: 'auto',
            temperature: 1,
            topP: 1,
            maxOutputTokens: null,
            parallelToolCalls: true,
          },
          7,
        ),
        chatStream,
      ),
    );
    expect(events.map((e) => e.event)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.map((e) => e.data.sequence_number)).toEqual(events.map((_, i) => i));
    const completed = events.at(-1)?.data.response;
    expect(completed).toMatchObject({
      id: 'resp_c1',
      status: 'completed',
      created_at: 7,
      output: [
        { type: 'message', content: [{ type: 'output_text', text: 'Sure…' }] },
        { type: 'function_call', call_id: 'call_1', name: 'weather', arguments: '{"city":"Rome"}' },
        { type: 'function_call', call_id: 'call_2', name: 'time', arguments: '{}' },
      ],
      usage: {
        input_tokens: 30,
        output_tokens: 8,
        total_tokens: 38,
        input_tokens_details: { cached_tokens: 10 },
      },
    });
  });

  it('serves Responses from an Anthropic stream through chat', () => {
    const translation = translationFor('responses', 'messages');
    const events = parseSse(
      run(translation?.stream({ model: 'm', input: 'x' }) ?? new ChatStreamToMessages(), anthropicStream),
    );
    expect(events.at(-1)?.data.response).toMatchObject({
      status: 'completed',
      output: [
        { type: 'message', content: [{ text: 'Héllo' }] },
        { type: 'function_call', call_id: 'toolu_1', arguments: '{"city":"Paris"}' },
      ],
      usage: { input_tokens: 15, output_tokens: 20 },
    });
  });
});

describe('chunk boundaries', () => {
  it.each([1, 2, 7, 50, 400])('gives the same output when the upstream arrives in %i-byte pieces', (size) => {
    const bytes = Buffer.from(anthropicStream);
    const whole = new MessagesStreamToChat({ includeUsage: true, created: 1 });
    const expected = whole.push(bytes) + whole.end();
    const pieces = new MessagesStreamToChat({ includeUsage: true, created: 1 });
    let out = '';
    // Byte pieces split multi-byte characters (é, …) too.
    for (let at = 0; at < bytes.length; at += size) out += pieces.push(bytes.subarray(at, at + size));
    expect(out + pieces.end()).toBe(expected);
  });
});
