import { describe, expect, it } from 'vitest';
import {
  chatToMessagesRequest,
  messagesToChatRequest,
  responsesToChatRequest,
  TranslationError,
} from '../src/index.ts';
import { anthropicRequestSchema, chatRequestSchema } from './wire-schemas.ts';

const weather = {
  type: 'object',
  properties: { city: { type: 'string' } },
  required: ['city'],
};

describe('chat → messages request', () => {
  it('maps a tool conversation with system, developer, images and options', () => {
    const chat = {
      model: 'claude-x',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'developer', content: [{ type: 'text', text: 'Use tools.' }] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Weather here?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            { type: 'image_url', image_url: { url: 'https://example.com/a.jpg' } },
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_2', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
        { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: 'rain' }] },
        { role: 'user', content: 'Thanks' },
      ],
      max_completion_tokens: 300,
      temperature: 1.5,
      top_p: 0.9,
      stop: 'END',
      stream: true,
      stream_options: { include_usage: true },
      tools: [
        {
          type: 'function',
          function: { name: 'weather', description: 'Weather by city', parameters: weather },
        },
      ],
      tool_choice: 'required',
      parallel_tool_calls: false,
      user: 'u-1',
      reasoning_effort: 'high',
    };
    const out = chatToMessagesRequest(chat);
    expect(out).toEqual({
      model: 'claude-x',
      max_tokens: 300,
      system: 'Be brief.\n\nUse tools.',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Weather here?' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/a.jpg' } },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'tool_use', id: 'call_1', name: 'weather', input: { city: 'Paris' } },
            { type: 'tool_use', id: 'call_2', name: 'weather', input: { city: 'Oslo' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'call_1', content: 'sunny' },
            { type: 'tool_result', tool_use_id: 'call_2', content: 'rain' },
            { type: 'text', text: 'Thanks' },
          ],
        },
      ],
      temperature: 1,
      top_p: 0.9,
      stop_sequences: ['END'],
      stream: true,
      tools: [{ name: 'weather', description: 'Weather by city', input_schema: weather }],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      metadata: { user_id: 'u-1' },
    });
    expect(anthropicRequestSchema.safeParse(out).success).toBe(true);
  });

  it('defaults max_tokens from the option, then the documented default', () => {
    const chat = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
    expect(chatToMessagesRequest(chat, { defaultMaxTokens: 8192 }).max_tokens).toBe(8192);
    expect(chatToMessagesRequest(chat).max_tokens).toBe(4096);
    expect(chatToMessagesRequest({ ...chat, max_tokens: 5 }).max_tokens).toBe(5);
  });

  it.each([
    ['n > 1', { n: 2 }, 'n'],
    [
      'arguments that are not JSON',
      {
        messages: [
          { role: 'user', content: 'x' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{oops' } }],
          },
        ],
      },
      'messages.1.tool_calls.0.function.arguments',
    ],
    ['an unknown role', { messages: [{ role: 'robot', content: 'x' }] }, 'messages.0.role'],
    ['only a system message', { messages: [{ role: 'system', content: 'x' }] }, 'messages'],
    [
      'an audio part',
      { messages: [{ role: 'user', content: [{ type: 'input_audio' }] }] },
      'messages.0.content.0.type',
    ],
    ['a non-function tool', { tools: [{ type: 'custom', custom: {} }] }, 'tools.0'],
  ])('refuses %s with a TranslationError naming the field', (_name, patch, param) => {
    const chat = { model: 'm', messages: [{ role: 'user', content: 'hi' }], ...patch };
    let error: unknown;
    try {
      chatToMessagesRequest(chat);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TranslationError);
    expect((error as TranslationError).param).toBe(param);
  });

  it('maps every tool_choice form', () => {
    const base = {
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      tools: [{ type: 'function', function: { name: 'f' } }],
    };
    const choice = (tool_choice: unknown) => chatToMessagesRequest({ ...base, tool_choice }).tool_choice;
    expect(choice('auto')).toEqual({ type: 'auto' });
    expect(choice('none')).toEqual({ type: 'none' });
    expect(choice({ type: 'function', function: { name: 'f' } })).toEqual({ type: 'tool', name: 'f' });
    expect(chatToMessagesRequest(base).tools).toEqual([
      { name: 'f', input_schema: { type: 'object', properties: {} } },
    ]);
  });
});

describe('messages → chat request', () => {
  it('maps system blocks, tool results before the user text, images and options', () => {
    const body = {
      model: 'deepseek-chat',
      max_tokens: 100,
      system: [
        { type: 'text', text: 'You are terse.' },
        { type: 'text', text: 'Answer in French.', cache_control: { type: 'ephemeral' } },
      ],
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'call the tool', signature: 'sig' },
            { type: 'text', text: 'Checking.' },
            { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Paris' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'sunny' }] },
            { type: 'text', text: 'And this?' },
            { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: 'AAAA' } },
          ],
        },
      ],
      stop_sequences: ['END'],
      temperature: 0.2,
      top_k: 5,
      stream: true,
      tools: [{ name: 'weather', description: 'Weather', input_schema: weather }],
      tool_choice: { type: 'tool', name: 'weather', disable_parallel_tool_use: true },
      metadata: { user_id: 'u-2' },
      thinking: { type: 'enabled', budget_tokens: 1024 },
    };
    const out = messagesToChatRequest(body);
    expect(out).toEqual({
      model: 'deepseek-chat',
      messages: [
        { role: 'system', content: 'You are terse.\n\nAnswer in French.' },
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: 'Checking.',
          tool_calls: [
            { id: 'toolu_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_1', content: 'sunny' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'And this?' },
            { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,AAAA' } },
          ],
        },
      ],
      max_tokens: 100,
      temperature: 0.2,
      stop: ['END'],
      stream: true,
      stream_options: { include_usage: true },
      tools: [
        { type: 'function', function: { name: 'weather', description: 'Weather', parameters: weather } },
      ],
      tool_choice: { type: 'function', function: { name: 'weather' } },
      parallel_tool_calls: false,
      user: 'u-2',
    });
    expect(chatRequestSchema.safeParse(out).success).toBe(true);
  });

  it('marks tool errors and refuses server tools and documents', () => {
    const out = messagesToChatRequest({
      model: 'm',
      max_tokens: 1,
      messages: [
        { role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'f', input: {} }] },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: 't', content: 'boom', is_error: true }],
        },
      ],
    });
    expect(out.messages).toContainEqual({ role: 'tool', tool_call_id: 't', content: 'Error: boom' });
    expect(() =>
      messagesToChatRequest({
        model: 'm',
        messages: [],
        tools: [{ type: 'web_search_20250305', name: 'web_search' }],
      }),
    ).toThrow(TranslationError);
    expect(() =>
      messagesToChatRequest({
        model: 'm',
        messages: [{ role: 'user', content: [{ type: 'document', source: {} }] }],
      }),
    ).toThrow(TranslationError);
  });
});

describe('responses → chat request', () => {
  it('maps instructions, input items, function calls and outputs, tools and text format', () => {
    const out = responsesToChatRequest({
      model: 'qwen-plus',
      instructions: 'Be helpful.',
      input: [
        { role: 'user', content: [{ type: 'input_text', text: 'Weather?' }] },
        { type: 'function_call', call_id: 'call_a', name: 'weather', arguments: '{"city":"Rome"}' },
        { type: 'function_call', call_id: 'call_b', name: 'weather', arguments: '{"city":"Oslo"}' },
        { type: 'function_call_output', call_id: 'call_a', output: 'hot' },
        { type: 'function_call_output', call_id: 'call_b', output: 'cold' },
        { role: 'developer', content: 'Summarise.' },
      ],
      tools: [{ type: 'function', name: 'weather', parameters: weather, strict: true }],
      tool_choice: { type: 'function', name: 'weather' },
      max_output_tokens: 50,
      stream: true,
      text: { format: { type: 'json_schema', name: 'w', schema: weather, strict: true } },
    });
    expect(out).toEqual({
      model: 'qwen-plus',
      messages: [
        { role: 'system', content: 'Be helpful.' },
        { role: 'user', content: 'Weather?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_a', type: 'function', function: { name: 'weather', arguments: '{"city":"Rome"}' } },
            { id: 'call_b', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_a', content: 'hot' },
        { role: 'tool', tool_call_id: 'call_b', content: 'cold' },
        { role: 'system', content: 'Summarise.' },
      ],
      max_tokens: 50,
      stream: true,
      stream_options: { include_usage: true },
      tools: [{ type: 'function', function: { name: 'weather', parameters: weather, strict: true } }],
      tool_choice: { type: 'function', function: { name: 'weather' } },
      response_format: { type: 'json_schema', json_schema: { name: 'w', schema: weather, strict: true } },
    });
    expect(chatRequestSchema.safeParse(out).success).toBe(true);
    expect(responsesToChatRequest({ model: 'm', input: 'hi' }).messages).toEqual([
      { role: 'user', content: 'hi' },
    ]);
  });

  it.each([
    ['previous_response_id', { previous_response_id: 'resp_1' }],
    ['hosted tools', { tools: [{ type: 'web_search' }] }],
    ['an empty input', { input: [] }],
  ])('refuses %s', (_name, patch) => {
    expect(() => responsesToChatRequest({ model: 'm', input: 'hi', ...patch })).toThrow(TranslationError);
  });
});
