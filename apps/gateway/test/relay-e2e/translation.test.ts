import Anthropic from '@anthropic-ai/sdk';
import type { UsageEvent } from '@relay/schemas';
import {
  DEFAULT_ANSWER,
  estimatePromptTokens,
  MOCK_TOOL_ARGUMENTS,
  MOCK_TOOL_CALL_TOKENS,
  type MockUpstream,
} from '@relay/testkit';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  anthropicClient,
  callGateway,
  GATEWAY_START_TIMEOUT_MS,
  MockUpstreams,
  openaiClient,
  type RelayGateway,
  requestIdOf,
  seedTenant,
  startRelayGateway,
  type Tenant,
  usageEventOf,
} from '../support/relay-harness.ts';

/**
 * Issue 13 "Done when": both official SDKs, unchanged, against both kinds of group — an OpenAI-only
 * upstream (a chat-only provider, like the CN packs) and an Anthropic-only upstream — non-stream and
 * stream, with tool round trips; the usage event of a translated request names `translated_from` and
 * has the upstream's tokens and the cost they price to. Plus native first: an account that also speaks
 * Anthropic Messages gets Anthropic requests as they are.
 */

const OPENAI_MODEL = 'gpt-4o-mini';
const ANTHROPIC_MODEL = 'claude-sonnet-4-5';
/** USD per 1M tokens: integers, so a cost in micro-USD is exactly tokens × price. */
const PRICES = { [OPENAI_MODEL]: { input: 2, output: 8 }, [ANTHROPIC_MODEL]: { input: 3, output: 15 } };

const weatherTool = {
  name: 'get_weather',
  description: 'Weather for a city',
  schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] },
};

let gateway: RelayGateway;
const mocks = new MockUpstreams();
/** Speaks only chat completions (declared `protocols: {chat: {}}`, like the CN providers). */
let chatOnly: MockUpstream;
let chatOnlyTenant: Tenant;
/** An Anthropic account (speaks only Messages). */
let anthropicOnly: MockUpstream;
let anthropicTenant: Tenant;

beforeAll(async () => {
  gateway = await startRelayGateway();
  [chatOnly, anthropicOnly] = await Promise.all([mocks.start(), mocks.start()]);
  for (const [model, price] of Object.entries(PRICES)) {
    await gateway.admin.prices.create({ model, input: String(price.input), output: String(price.output) });
  }
  chatOnlyTenant = await seedTenant(gateway.admin, {
    platform: 'openai',
    accounts: [{ mock: chatOnly, models: [OPENAI_MODEL], account: { protocols: { chat: {} } } }],
  });
  anthropicTenant = await seedTenant(gateway.admin, {
    platform: 'anthropic',
    accounts: [{ mock: anthropicOnly, models: [ANTHROPIC_MODEL] }],
  });
}, GATEWAY_START_TIMEOUT_MS);

afterAll(async () => {
  await gateway?.close();
  await mocks.closeAll();
});

function micros(usd: string): bigint {
  const [whole = '0', fraction = ''] = usd.split('.');
  return BigInt(whole) * 1_000_000n + BigInt(fraction.padEnd(6, '0'));
}

/** The prompt tokens the mock reported for its last request (it counts the text it received). */
function upstreamPromptTokens(mock: MockUpstream): number {
  const last = mock.lastRequests.at(-1);
  const body = last?.body as { system?: unknown; messages?: unknown };
  return last?.path === '/v1/messages'
    ? estimatePromptTokens([body.system, body.messages])
    : estimatePromptTokens([body.messages]);
}

/** The usage event: translated, with the upstream's tokens and exactly the cost they price to. */
async function expectTranslatedUsage(
  requestId: string,
  expected: {
    from: string;
    endpoint: string;
    model: keyof typeof PRICES;
    stream: boolean;
    prompt: number;
    completion: number;
  },
): Promise<UsageEvent> {
  const event = await usageEventOf(gateway.admin, requestId);
  expect(event).toMatchObject({
    endpoint: expected.endpoint,
    translated_from: expected.from,
    model_requested: expected.model,
    stream: expected.stream,
    status_code: 200,
    prompt_tokens: expected.prompt,
    completion_tokens: expected.completion,
    usage_estimated: false,
  });
  const price = PRICES[expected.model];
  expect(micros(event.cost_usd)).toBe(
    BigInt(expected.prompt * price.input + expected.completion * price.output),
  );
  return event;
}

describe('the Anthropic SDK against a chat-only (OpenAI) upstream', () => {
  const client = () => anthropicClient(gateway, chatOnlyTenant.secret);

  it('answers a message, sent upstream as a chat completion', async () => {
    const { data, response } = await client()
      .messages.create({
        model: OPENAI_MODEL,
        max_tokens: 100,
        system: 'Be brief.',
        messages: [{ role: 'user', content: 'Hello there' }],
      })
      .withResponse();
    expect(chatOnly.lastRequests.at(-1)).toMatchObject({
      path: '/v1/chat/completions',
      body: {
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hello there' },
        ],
      },
    });
    const prompt = upstreamPromptTokens(chatOnly);
    expect(data).toMatchObject({
      type: 'message',
      role: 'assistant',
      content: [{ type: 'text', text: DEFAULT_ANSWER.text }],
      stop_reason: 'end_turn',
      usage: { input_tokens: prompt, output_tokens: DEFAULT_ANSWER.completionTokens },
    });
    await expectTranslatedUsage(requestIdOf(response.headers), {
      from: 'messages',
      endpoint: '/v1/messages',
      model: OPENAI_MODEL,
      stream: false,
      prompt,
      completion: DEFAULT_ANSWER.completionTokens,
    });
  });

  it('streams a message translated event by event', async () => {
    const stream = client().messages.stream({
      model: OPENAI_MODEL,
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Stream to me' }],
    });
    const texts: string[] = [];
    stream.on('text', (text) => texts.push(text));
    const message = await stream.finalMessage();
    const { response } = await stream.withResponse();
    expect(texts).toEqual(DEFAULT_ANSWER.chunks);
    const prompt = upstreamPromptTokens(chatOnly);
    expect(chatOnly.lastRequests.at(-1)?.body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(message).toMatchObject({
      content: [{ type: 'text', text: DEFAULT_ANSWER.text }],
      stop_reason: 'end_turn',
      usage: { input_tokens: prompt, output_tokens: DEFAULT_ANSWER.completionTokens },
    });
    await expectTranslatedUsage(requestIdOf(response.headers), {
      from: 'messages',
      endpoint: '/v1/messages',
      model: OPENAI_MODEL,
      stream: true,
      prompt,
      completion: DEFAULT_ANSWER.completionTokens,
    });
  });

  it.each([false, true])('round-trips a tool call (stream: %s)', async (streamed) => {
    const tools: Anthropic.Tool[] = [
      { name: weatherTool.name, description: weatherTool.description, input_schema: weatherTool.schema },
    ];
    const ask: Anthropic.MessageParam = { role: 'user', content: 'Use a tool to get the weather in Paris' };
    const params = { model: OPENAI_MODEL, max_tokens: 100, tools, messages: [ask] };
    const { data: first, response } = streamed
      ? await (async () => {
          const stream = client().messages.stream(params);
          const message = await stream.finalMessage();
          return { data: message, response: (await stream.withResponse()).response };
        })()
      : await client().messages.create(params).withResponse();
    expect(first.stop_reason).toBe('tool_use');
    const toolUse = first.content.find((block) => block.type === 'tool_use');
    expect(toolUse).toMatchObject({ type: 'tool_use', name: weatherTool.name, input: MOCK_TOOL_ARGUMENTS });
    expect(chatOnly.lastRequests.at(-1)?.body).toMatchObject({
      tools: [{ type: 'function', function: { name: weatherTool.name, parameters: weatherTool.schema } }],
    });
    await expectTranslatedUsage(requestIdOf(response.headers), {
      from: 'messages',
      endpoint: '/v1/messages',
      model: OPENAI_MODEL,
      stream: streamed,
      prompt: upstreamPromptTokens(chatOnly),
      completion: MOCK_TOOL_CALL_TOKENS,
    });

    const toolUseId = toolUse?.type === 'tool_use' ? toolUse.id : '';
    const second = await client().messages.create({
      ...params,
      messages: [
        ask,
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUseId, content: 'Sunny, 21°C' }] },
      ],
    });
    expect(chatOnly.lastRequests.at(-1)?.body).toMatchObject({
      messages: [
        { role: 'user' },
        { role: 'assistant', tool_calls: [{ id: toolUseId, function: { name: weatherTool.name } }] },
        { role: 'tool', tool_call_id: toolUseId, content: 'Sunny, 21°C' },
      ],
    });
    expect(second).toMatchObject({
      stop_reason: 'end_turn',
      content: [{ type: 'text', text: DEFAULT_ANSWER.text }],
    });
  });

  it('ends a stream the upstream cut with an Anthropic error event the SDK raises', async () => {
    chatOnly.setFault({ mode: 'stream_cut', afterEvents: 3, times: 1 });
    const stream = client().messages.stream({
      model: OPENAI_MODEL,
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Stream to me' }],
    });
    const texts: string[] = [];
    stream.on('text', (text) => texts.push(text));
    const error = await stream.finalMessage().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect(String((error as Error).message)).toContain('interrupted');
    expect(texts.join('')).toBe(DEFAULT_ANSWER.chunks.slice(0, 2).join(''));
    const { response } = await stream.withResponse();
    const event = await usageEventOf(gateway.admin, requestIdOf(response.headers));
    expect(event).toMatchObject({ status_code: 502, translated_from: 'messages', stream: true });
  });

  it('counts tokens with the documented estimator (the upstream has no count_tokens)', async () => {
    const calls = chatOnly.counts().total;
    const counted = await client().messages.countTokens({
      model: OPENAI_MODEL,
      messages: [{ role: 'user', content: 'x'.repeat(40) }],
    });
    expect(counted).toEqual({ input_tokens: 10 });
    expect(chatOnly.counts().total).toBe(calls);
  });

  it('raises the SDK error class of an upstream request error, in the Anthropic envelope', async () => {
    chatOnly.setFault({ mode: 'status_400', times: 1, message: 'bad things' });
    const error = await client()
      .messages.create({ model: OPENAI_MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect(error).toMatchObject({
      status: 400,
      error: { type: 'error', error: { type: 'invalid_request_error' } },
    });
  });

  it('refuses what the upstream protocol cannot express with a 400 naming the field, never a 500', async () => {
    const answer = await callGateway(gateway, '/v1/messages', {
      secret: chatOnlyTenant.secret,
      body: {
        model: OPENAI_MODEL,
        max_tokens: 10,
        messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'text', data: 'x' } }] }],
      },
    });
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  });
});

describe('the openai SDK against an Anthropic upstream', () => {
  const client = () => openaiClient(gateway, anthropicTenant.secret);

  it('answers a chat completion, sent upstream as a message', async () => {
    const { data, response } = await client()
      .chat.completions.create({
        model: ANTHROPIC_MODEL,
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hello there' },
        ],
      })
      .withResponse();
    expect(anthropicOnly.lastRequests.at(-1)).toMatchObject({
      path: '/v1/messages',
      body: {
        system: 'Be brief.',
        max_tokens: 4096,
        messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello there' }] }],
      },
    });
    const prompt = upstreamPromptTokens(anthropicOnly);
    expect(data.choices[0]).toMatchObject({
      message: { role: 'assistant', content: DEFAULT_ANSWER.text },
      finish_reason: 'stop',
    });
    expect(data.usage).toMatchObject({
      prompt_tokens: prompt,
      completion_tokens: DEFAULT_ANSWER.completionTokens,
    });
    await expectTranslatedUsage(requestIdOf(response.headers), {
      from: 'chat',
      endpoint: '/v1/chat/completions',
      model: ANTHROPIC_MODEL,
      stream: false,
      prompt,
      completion: DEFAULT_ANSWER.completionTokens,
    });
  });

  it('streams chat chunks translated event by event, with the usage chunk when asked', async () => {
    const { data: stream, response } = await client()
      .chat.completions.create({
        model: ANTHROPIC_MODEL,
        messages: [{ role: 'user', content: 'Stream to me' }],
        stream: true,
        stream_options: { include_usage: true },
      })
      .withResponse();
    const pieces: string[] = [];
    let usage: OpenAI.CompletionUsage | null | undefined;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (choice?.delta.content) pieces.push(choice.delta.content);
      if (choice?.finish_reason) finish = choice.finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(pieces).toEqual(DEFAULT_ANSWER.chunks);
    expect(finish).toBe('stop');
    const prompt = upstreamPromptTokens(anthropicOnly);
    expect(usage).toMatchObject({
      prompt_tokens: prompt,
      completion_tokens: DEFAULT_ANSWER.completionTokens,
    });
    await expectTranslatedUsage(requestIdOf(response.headers), {
      from: 'chat',
      endpoint: '/v1/chat/completions',
      model: ANTHROPIC_MODEL,
      stream: true,
      prompt,
      completion: DEFAULT_ANSWER.completionTokens,
    });
  });

  it.each([false, true])('round-trips a tool call (stream: %s)', async (streamed) => {
    const tools: OpenAI.ChatCompletionTool[] = [
      {
        type: 'function',
        function: {
          name: weatherTool.name,
          description: weatherTool.description,
          parameters: weatherTool.schema,
        },
      },
    ];
    const ask: OpenAI.ChatCompletionMessageParam = {
      role: 'user',
      content: 'Use a tool to get the weather in Paris',
    };
    const params = { model: ANTHROPIC_MODEL, tools, messages: [ask] };
    let call: OpenAI.ChatCompletionMessageFunctionToolCall | undefined;
    let finish: string | null | undefined;
    let requestId: string;
    if (streamed) {
      const { data: stream, response } = await client()
        .chat.completions.create({ ...params, stream: true })
        .withResponse();
      requestId = requestIdOf(response.headers);
      let id = '';
      let name = '';
      let args = '';
      for await (const chunk of stream) {
        const choice = chunk.choices[0];
        for (const delta of choice?.delta.tool_calls ?? []) {
          expect(delta.index).toBe(0);
          id ||= delta.id ?? '';
          name ||= delta.function?.name ?? '';
          args += delta.function?.arguments ?? '';
        }
        if (choice?.finish_reason) finish = choice.finish_reason;
      }
      call = { id, type: 'function', function: { name, arguments: args } };
    } else {
      const { data, response } = await client().chat.completions.create(params).withResponse();
      requestId = requestIdOf(response.headers);
      call = data.choices[0]?.message.tool_calls?.[0] as OpenAI.ChatCompletionMessageFunctionToolCall;
      finish = data.choices[0]?.finish_reason;
    }
    expect(finish).toBe('tool_calls');
    expect(call).toMatchObject({ type: 'function', function: { name: weatherTool.name } });
    expect(JSON.parse(call?.function.arguments ?? '')).toEqual(MOCK_TOOL_ARGUMENTS);
    expect(anthropicOnly.lastRequests.at(-1)?.body).toMatchObject({
      tools: [{ name: weatherTool.name, input_schema: weatherTool.schema }],
    });
    await expectTranslatedUsage(requestId, {
      from: 'chat',
      endpoint: '/v1/chat/completions',
      model: ANTHROPIC_MODEL,
      stream: streamed,
      prompt: upstreamPromptTokens(anthropicOnly),
      completion: MOCK_TOOL_CALL_TOKENS,
    });

    const second = await client().chat.completions.create({
      ...params,
      messages: [
        ask,
        { role: 'assistant', content: null, tool_calls: call === undefined ? [] : [call] },
        { role: 'tool', tool_call_id: call?.id ?? '', content: 'Sunny, 21°C' },
      ],
    });
    expect(anthropicOnly.lastRequests.at(-1)?.body).toMatchObject({
      messages: [
        { role: 'user' },
        { role: 'assistant', content: [{ type: 'tool_use', id: call?.id, input: MOCK_TOOL_ARGUMENTS }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: call?.id, content: 'Sunny, 21°C' }] },
      ],
    });
    expect(second.choices[0]?.message.content).toBe(DEFAULT_ANSWER.text);
  });

  it('ends a stream the upstream cut with an error the SDK raises, and records the cut', async () => {
    anthropicOnly.setFault({ mode: 'stream_cut', afterEvents: 4, times: 1 });
    const { data: stream, response } = await client()
      .chat.completions.create({
        model: ANTHROPIC_MODEL,
        messages: [{ role: 'user', content: 'Stream to me' }],
        stream: true,
      })
      .withResponse();
    const pieces: string[] = [];
    const error = await (async () => {
      for await (const chunk of stream)
        if (chunk.choices[0]?.delta.content) pieces.push(chunk.choices[0].delta.content);
    })().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(String((error as Error).message)).toContain('interrupted');
    expect(pieces.join('')).toBe(DEFAULT_ANSWER.chunks[0]);
    const event = await usageEventOf(gateway.admin, requestIdOf(response.headers));
    expect(event).toMatchObject({ status_code: 502, translated_from: 'chat', stream: true });
  });

  it('raises RateLimitError with Retry-After on a limited key, in the OpenAI envelope', async () => {
    const tenant = await seedTenant(gateway.admin, {
      platform: 'anthropic',
      accounts: [{ mock: anthropicOnly, models: [ANTHROPIC_MODEL] }],
      key: { rpm_limit: 1 },
    });
    const limited = openaiClient(gateway, tenant.secret);
    const params = { model: ANTHROPIC_MODEL, messages: [{ role: 'user' as const, content: 'hi' }] };
    await limited.chat.completions.create(params);
    const error = await limited.chat.completions.create(params).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('retry-after')).toMatch(
      /^\d+$/,
    );
  });
});

describe('Responses API on a chat-only upstream', () => {
  const client = () => openaiClient(gateway, chatOnlyTenant.secret);
  const tools: OpenAI.Responses.FunctionTool[] = [
    { type: 'function', name: weatherTool.name, parameters: { ...weatherTool.schema }, strict: false },
  ];

  it('answers a response translated from chat completions', async () => {
    const { data, response } = await client()
      .responses.create({ model: OPENAI_MODEL, instructions: 'Be brief.', input: 'Hello there' })
      .withResponse();
    expect(chatOnly.lastRequests.at(-1)).toMatchObject({ path: '/v1/chat/completions' });
    expect(data.output_text).toBe(DEFAULT_ANSWER.text);
    const prompt = upstreamPromptTokens(chatOnly);
    expect(data.usage).toMatchObject({
      input_tokens: prompt,
      output_tokens: DEFAULT_ANSWER.completionTokens,
    });
    await expectTranslatedUsage(requestIdOf(response.headers), {
      from: 'responses',
      endpoint: '/v1/responses',
      model: OPENAI_MODEL,
      stream: false,
      prompt,
      completion: DEFAULT_ANSWER.completionTokens,
    });
  });

  it('streams a function call and its completion', async () => {
    const { data: stream, response } = await client()
      .responses.create({
        model: OPENAI_MODEL,
        input: 'Use a tool to get the weather in Paris',
        tools,
        stream: true,
      })
      .withResponse();
    let completed: OpenAI.Responses.Response | undefined;
    let args = '';
    for await (const event of stream) {
      if (event.type === 'response.function_call_arguments.delta') args += event.delta;
      if (event.type === 'response.completed') completed = event.response;
    }
    expect(JSON.parse(args)).toEqual(MOCK_TOOL_ARGUMENTS);
    expect(completed?.output).toMatchObject([{ type: 'function_call', name: weatherTool.name }]);
    await expectTranslatedUsage(requestIdOf(response.headers), {
      from: 'responses',
      endpoint: '/v1/responses',
      model: OPENAI_MODEL,
      stream: true,
      prompt: upstreamPromptTokens(chatOnly),
      completion: MOCK_TOOL_CALL_TOKENS,
    });
  });
});

describe('native first', () => {
  it('sends Anthropic requests as they are to an account that also speaks Messages, and chat as chat', async () => {
    const both = await mocks.start();
    const tenant = await seedTenant(gateway.admin, {
      platform: 'openai',
      accounts: [
        {
          mock: both,
          models: [OPENAI_MODEL],
          account: { protocols: { chat: {}, messages: { base_url: both.url } } },
        },
      ],
    });
    const { response } = await anthropicClient(gateway, tenant.secret)
      .messages.create({ model: OPENAI_MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    expect(both.lastRequests.at(-1)).toMatchObject({
      path: '/v1/messages',
      headers: { 'x-api-key': both.apiKey },
    });
    const native = await usageEventOf(gateway.admin, requestIdOf(response.headers));
    expect(native).toMatchObject({ translated_from: null, endpoint: '/v1/messages', status_code: 200 });

    const chat = await openaiClient(gateway, tenant.secret)
      .chat.completions.create({ model: OPENAI_MODEL, messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    expect(both.lastRequests.at(-1)?.path).toBe('/v1/chat/completions');
    expect(await usageEventOf(gateway.admin, requestIdOf(chat.response.headers))).toMatchObject({
      translated_from: null,
    });
  });
});
