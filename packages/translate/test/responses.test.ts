import { describe, expect, it } from 'vitest';
import {
  chatToMessagesResponse,
  chatToResponsesResponse,
  errorBodyFor,
  estimateInputTokens,
  messagesToChatResponse,
  translationFor,
} from '../src/index.ts';
import { anthropicMessageSchema, chatCompletionSchema } from './wire-schemas.ts';

describe('messages → chat response', () => {
  it('maps text, thinking, tool use, stop reason and cache usage', () => {
    const out = messagesToChatResponse(
      {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'claude-x',
        content: [
          { type: 'thinking', thinking: 'hmm', signature: 's' },
          { type: 'text', text: 'Let me check.' },
          { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Paris' } },
        ],
        stop_reason: 'tool_use',
        stop_sequence: null,
        usage: {
          input_tokens: 10,
          cache_read_input_tokens: 100,
          cache_creation_input_tokens: 5,
          output_tokens: 7,
        },
      },
      1700000000,
    );
    expect(out).toEqual({
      id: 'msg_1',
      object: 'chat.completion',
      created: 1700000000,
      model: 'claude-x',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'Let me check.',
            refusal: null,
            reasoning_content: 'hmm',
            tool_calls: [
              {
                id: 'toolu_1',
                type: 'function',
                function: { name: 'weather', arguments: '{"city":"Paris"}' },
              },
            ],
          },
          logprobs: null,
          finish_reason: 'tool_calls',
        },
      ],
      usage: {
        prompt_tokens: 115,
        completion_tokens: 7,
        total_tokens: 122,
        prompt_tokens_details: { cached_tokens: 100 },
      },
    });
    expect(chatCompletionSchema.safeParse(out).success).toBe(true);
  });

  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    ['pause_turn', 'stop'],
  ])('stop reason %s → finish reason %s', (stop, finish) => {
    const out = messagesToChatResponse({ id: 'm', content: [], stop_reason: stop, usage: {} });
    expect((out.choices as Array<{ finish_reason: string }>)[0]?.finish_reason).toBe(finish);
  });
});

describe('chat → messages response', () => {
  it('maps reasoning, text, tool calls, finish reason and cached tokens', () => {
    const out = chatToMessagesResponse({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1,
      model: 'deepseek-reasoner',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'Calling.',
            reasoning_content: 'think',
            tool_calls: [
              { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Rome"}' } },
              { id: 'call_2', type: 'function', function: { name: 'weather', arguments: 'not json' } },
            ],
          },
          finish_reason: 'tool_calls',
        },
      ],
      usage: {
        prompt_tokens: 50,
        completion_tokens: 9,
        total_tokens: 59,
        prompt_tokens_details: { cached_tokens: 40 },
      },
    });
    expect(out).toEqual({
      id: 'chatcmpl-1',
      type: 'message',
      role: 'assistant',
      model: 'deepseek-reasoner',
      content: [
        { type: 'thinking', thinking: 'think', signature: '' },
        { type: 'text', text: 'Calling.' },
        { type: 'tool_use', id: 'call_1', name: 'weather', input: { city: 'Rome' } },
        { type: 'tool_use', id: 'call_2', name: 'weather', input: { arguments: 'not json' } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: {
        input_tokens: 10,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 40,
        output_tokens: 9,
      },
    });
    expect(anthropicMessageSchema.safeParse(out).success).toBe(true);
  });

  it.each([
    ['stop', 'end_turn'],
    ['length', 'max_tokens'],
    ['tool_calls', 'tool_use'],
    ['function_call', 'tool_use'],
    ['content_filter', 'refusal'],
  ])('finish reason %s → stop reason %s', (finish, stop) => {
    const out = chatToMessagesResponse({ choices: [{ message: { content: 'x' }, finish_reason: finish }] });
    expect(out.stop_reason).toBe(stop);
  });
});

describe('chat → responses response', () => {
  it('maps text and function calls into output items with usage', () => {
    const out = chatToResponsesResponse(
      {
        id: 'abc',
        created: 5,
        model: 'qwen-plus',
        choices: [
          {
            message: {
              content: 'Here.',
              tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }],
            },
            finish_reason: 'tool_calls',
          },
        ],
        usage: {
          prompt_tokens: 20,
          completion_tokens: 4,
          prompt_tokens_details: { cached_tokens: 3 },
          completion_tokens_details: { reasoning_tokens: 1 },
        },
      },
      { model: 'qwen-plus', input: 'hi', tools: [] },
    );
    expect(out).toMatchObject({
      id: 'resp_abc',
      object: 'response',
      created_at: 5,
      status: 'completed',
      model: 'qwen-plus',
      output: [
        {
          type: 'message',
          role: 'assistant',
          status: 'completed',
          content: [{ type: 'output_text', text: 'Here.', annotations: [] }],
        },
        { type: 'function_call', call_id: 'call_1', name: 'f', arguments: '{}', status: 'completed' },
      ],
      usage: {
        input_tokens: 20,
        input_tokens_details: { cached_tokens: 3 },
        output_tokens: 4,
        output_tokens_details: { reasoning_tokens: 1 },
        total_tokens: 24,
      },
    });
    const cut = chatToResponsesResponse(
      { choices: [{ message: { content: 'x' }, finish_reason: 'length' }] },
      {},
    );
    expect(cut).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } });
  });
});

describe('errors', () => {
  it.each([
    [400, 'invalid_request_error'],
    [401, 'authentication_error'],
    [403, 'permission_error'],
    [404, 'not_found_error'],
    [429, 'rate_limit_error'],
    [500, 'api_error'],
    [529, 'overloaded_error'],
  ])('an OpenAI %i error becomes an Anthropic %s with the message kept', (status, type) => {
    const upstream = JSON.stringify({ error: { message: 'nope', type: 'x', code: 'y' } });
    expect(errorBodyFor('anthropic', status, upstream)).toEqual({
      type: 'error',
      error: { type, message: 'nope' },
    });
  });

  it('an Anthropic error becomes an OpenAI envelope; non-JSON text is kept as the message', () => {
    const upstream = JSON.stringify({
      type: 'error',
      error: { type: 'rate_limit_error', message: 'slow down' },
    });
    expect(errorBodyFor('openai', 429, upstream)).toEqual({
      error: { message: 'slow down', type: 'rate_limit_error', code: null, param: null },
    });
    expect(errorBodyFor('openai', 502, '<html>bad gateway</html>')).toMatchObject({
      error: { message: '<html>bad gateway</html>', type: 'api_error' },
    });
    expect(translationFor('chat', 'messages')?.errorBody(400, upstream)).toMatchObject({
      error: { type: 'invalid_request_error' },
    });
  });
});

describe('count_tokens estimator', () => {
  it('counts text bytes of system, messages and tools at 4 bytes a token', () => {
    expect(estimateInputTokens({ system: 'abcd', messages: [{ role: 'user', content: 'efgh' }] })).toBe(2);
    expect(estimateInputTokens({ messages: [] })).toBe(1);
    expect(
      estimateInputTokens({
        messages: [{ role: 'user', content: [{ type: 'text', text: 'x'.repeat(40) }] }],
      }),
    ).toBe(10);
  });
});
