import { DEFAULT_ANSWER, type MockUpstream, PONG_ANSWER } from '@relay/testkit';
import { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  anthropicClient,
  GATEWAY_START_TIMEOUT_MS,
  MockUpstreams,
  openaiClient,
  type RelayGateway,
  seedTenant,
  startRelayGateway,
  type Tenant,
  usageEventOf,
} from '../support/relay-harness.ts';

/**
 * Issue 4 "Done when" #1: every public route works through the official SDKs against the real
 * gateway process, with both auth headers, and each request's x-request-id is its usage event's id.
 */

let gateway: RelayGateway;
const mocks = new MockUpstreams();
let mock: MockUpstream;
let openaiTenant: Tenant;
let anthropicTenant: Tenant;

beforeAll(async () => {
  gateway = await startRelayGateway();
  mock = await mocks.start();
  for (const [model, input, output] of [
    ['gpt-4o-mini', '0.15', '0.60'],
    ['text-embedding-3-small', '0.02', '0'],
    ['claude-sonnet-4-5', '3', '15'],
  ] as const) {
    await gateway.admin.prices.create({ model, input, output });
  }
  openaiTenant = await seedTenant(gateway.admin, {
    platform: 'openai',
    accounts: [{ mock, models: ['gpt-4o-mini', 'text-embedding-3-small'] }],
  });
  anthropicTenant = await seedTenant(gateway.admin, {
    platform: 'anthropic',
    accounts: [{ mock, models: ['claude-sonnet-4-5'] }],
  });
}, GATEWAY_START_TIMEOUT_MS);

afterAll(async () => {
  await gateway?.close();
  await mocks.closeAll();
});

const requestIdFor = (name: string) => `e2e-${name}-${Date.now().toString(36)}`;

describe('OpenAI-compatible routes through the openai SDK', () => {
  it('lists the models the key can use and reads one of them', async () => {
    const client = openaiClient(gateway, openaiTenant.secret);
    const models = [];
    for await (const model of client.models.list()) models.push(model.id);
    expect(models).toEqual(['gpt-4o-mini', 'text-embedding-3-small']);
    const one = await client.models.retrieve('gpt-4o-mini');
    expect(one).toMatchObject({ id: 'gpt-4o-mini', object: 'model' });
    const missing = await client.models.retrieve('claude-sonnet-4-5').catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(APIError);
    expect(missing).toMatchObject({ status: 404, code: 'MODEL_NOT_FOUND' });
  });

  it.each([
    ['Authorization: Bearer', false],
    ['x-api-key', true],
  ])(
    'answers a non-stream chat completion (%s) and records its usage under the same request id',
    async (_label, viaXApiKey) => {
      const client = openaiClient(gateway, openaiTenant.secret, { viaXApiKey });
      const requestId = requestIdFor('chat');
      const { data, response } = await client.chat.completions
        .create(
          { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Reply with pong only' }] },
          { headers: { 'x-request-id': requestId } },
        )
        .withResponse();
      expect(data.choices[0]?.message.content).toBe(PONG_ANSWER.text);
      expect(response.headers.get('x-request-id')).toBe(requestId);

      const event = await usageEventOf(gateway.admin, requestId);
      expect(event).toMatchObject({
        request_id: requestId,
        api_key_id: openaiTenant.key.id,
        group_id: openaiTenant.group.id,
        account_id: openaiTenant.accounts[0]?.id,
        endpoint: '/v1/chat/completions',
        model_requested: 'gpt-4o-mini',
        model_upstream: 'gpt-4o-mini',
        stream: false,
        status_code: 200,
        prompt_tokens: data.usage?.prompt_tokens,
        completion_tokens: PONG_ANSWER.completionTokens,
        attempts: 1,
        usage_estimated: false,
      });
      expect(Number(event.cost_usd)).toBeGreaterThan(0);
    },
  );

  it('generates a request id when the client sends none and uses it for the usage event', async () => {
    const client = openaiClient(gateway, openaiTenant.secret);
    const { response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] })
      .withResponse();
    const requestId = response.headers.get('x-request-id');
    expect(requestId).toMatch(/^req_[0-9a-f]{32}$/);
    const event = await usageEventOf(gateway.admin, requestId ?? '');
    expect(event.status_code).toBe(200);
  });

  it('streams a chat completion and strips the usage chunk the client did not ask for', async () => {
    const client = openaiClient(gateway, openaiTenant.secret);
    const requestId = requestIdFor('stream');
    const stream = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'tell me something' }], stream: true },
      { headers: { 'x-request-id': requestId } },
    );
    let text = '';
    let chunks = 0;
    for await (const chunk of stream) {
      chunks += 1;
      expect(chunk.choices.length).toBeGreaterThan(0);
      expect(chunk.usage ?? null).toBeNull();
      text += chunk.choices[0]?.delta.content ?? '';
    }
    expect(text).toBe(DEFAULT_ANSWER.text);
    expect(chunks).toBe(DEFAULT_ANSWER.chunks.length + 2);
    // The gateway asked the upstream for usage on the client's behalf, so billing is exact.
    const event = await usageEventOf(gateway.admin, requestId);
    expect(event).toMatchObject({
      stream: true,
      status_code: 200,
      completion_tokens: DEFAULT_ANSWER.completionTokens,
      usage_estimated: false,
      attempts: 1,
    });
    expect(event.ttft_ms).not.toBeNull();
    expect(mock.lastRequests.at(-1)?.body).toMatchObject({ stream_options: { include_usage: true } });
  });

  it('streams the usage chunk when the client asks for it (stream_options.include_usage)', async () => {
    const client = openaiClient(gateway, openaiTenant.secret);
    const requestId = requestIdFor('stream-usage');
    const stream = await client.chat.completions.create(
      {
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Reply with pong only' }],
        stream: true,
        stream_options: { include_usage: true },
      },
      { headers: { 'x-request-id': requestId } },
    );
    let text = '';
    const usages = [];
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usages.push(chunk.usage);
    }
    expect(text).toBe(PONG_ANSWER.text);
    expect(usages).toHaveLength(1);
    expect(usages[0]?.completion_tokens).toBe(PONG_ANSWER.completionTokens);
    const event = await usageEventOf(gateway.admin, requestId);
    expect(event).toMatchObject({
      prompt_tokens: usages[0]?.prompt_tokens,
      completion_tokens: PONG_ANSWER.completionTokens,
      usage_estimated: false,
    });
  });

  it('creates embeddings', async () => {
    const client = openaiClient(gateway, openaiTenant.secret, { viaXApiKey: true });
    const requestId = requestIdFor('embeddings');
    const { data, response } = await client.embeddings
      .create(
        { model: 'text-embedding-3-small', input: ['one', 'two'] },
        { headers: { 'x-request-id': requestId } },
      )
      .withResponse();
    expect(data.data).toHaveLength(2);
    expect(data.data[0]?.embedding.length).toBeGreaterThan(0);
    expect(response.headers.get('x-request-id')).toBe(requestId);
    const event = await usageEventOf(gateway.admin, requestId);
    expect(event).toMatchObject({
      endpoint: '/v1/embeddings',
      status_code: 200,
      prompt_tokens: data.usage.prompt_tokens,
    });
  });

  it('relays the Responses API, non-stream and stream', async () => {
    const client = openaiClient(gateway, openaiTenant.secret);
    const requestId = requestIdFor('responses');
    const { data } = await client.responses
      .create(
        { model: 'gpt-4o-mini', input: 'Reply with pong only' },
        { headers: { 'x-request-id': requestId } },
      )
      .withResponse();
    expect(data.output_text).toBe(PONG_ANSWER.text);
    const event = await usageEventOf(gateway.admin, requestId);
    expect(event).toMatchObject({ endpoint: '/v1/responses', status_code: 200, usage_estimated: false });

    const streamId = requestIdFor('responses-stream');
    const stream = await client.responses.create(
      { model: 'gpt-4o-mini', input: 'hello there', stream: true },
      { headers: { 'x-request-id': streamId } },
    );
    let text = '';
    let completed = false;
    for await (const event of stream) {
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.completed') completed = true;
    }
    expect(text).toBe(DEFAULT_ANSWER.text);
    expect(completed).toBe(true);
    const streamed = await usageEventOf(gateway.admin, streamId);
    expect(streamed).toMatchObject({
      stream: true,
      completion_tokens: DEFAULT_ANSWER.completionTokens,
      usage_estimated: false,
    });
  });
});

describe('Anthropic-compatible routes through the @anthropic-ai/sdk', () => {
  it.each([
    ['x-api-key', false],
    ['Authorization: Bearer', true],
  ])('answers a non-stream message (%s)', async (_label, viaBearer) => {
    const client = anthropicClient(gateway, anthropicTenant.secret, { viaBearer });
    const requestId = requestIdFor('messages');
    const { data, response } = await client.messages
      .create(
        {
          model: 'claude-sonnet-4-5',
          max_tokens: 64,
          messages: [{ role: 'user', content: 'Reply with pong only' }],
        },
        { headers: { 'x-request-id': requestId } },
      )
      .withResponse();
    expect(data.content[0]).toMatchObject({ type: 'text', text: PONG_ANSWER.text });
    expect(response.headers.get('x-request-id')).toBe(requestId);
    const event = await usageEventOf(gateway.admin, requestId);
    expect(event).toMatchObject({
      api_key_id: anthropicTenant.key.id,
      account_id: anthropicTenant.accounts[0]?.id,
      endpoint: '/v1/messages',
      status_code: 200,
      prompt_tokens: data.usage.input_tokens,
      completion_tokens: data.usage.output_tokens,
      usage_estimated: false,
    });
    // The upstream got the account's credential the Anthropic way, never the tenant key.
    const upstream = mock.lastRequests.at(-1);
    expect(upstream?.headers['x-api-key']).toBe(mock.apiKey);
    expect(JSON.stringify(upstream?.headers)).not.toContain(anthropicTenant.secret);
  });

  it('streams a message', async () => {
    const client = anthropicClient(gateway, anthropicTenant.secret);
    const requestId = requestIdFor('messages-stream');
    const stream = await client.messages.create(
      {
        model: 'claude-sonnet-4-5',
        max_tokens: 64,
        messages: [{ role: 'user', content: 'say something' }],
        stream: true,
      },
      { headers: { 'x-request-id': requestId } },
    );
    let text = '';
    const types: string[] = [];
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    }
    expect(text).toBe(DEFAULT_ANSWER.text);
    expect(types[0]).toBe('message_start');
    expect(types.at(-1)).toBe('message_stop');
    const event = await usageEventOf(gateway.admin, requestId);
    expect(event).toMatchObject({
      stream: true,
      status_code: 200,
      completion_tokens: DEFAULT_ANSWER.completionTokens,
      usage_estimated: false,
    });
  });

  it('counts tokens without billing', async () => {
    const client = anthropicClient(gateway, anthropicTenant.secret);
    const countId = requestIdFor('count-tokens');
    const counted = await client.messages.countTokens(
      { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'twelve bytes' }] },
      { headers: { 'x-request-id': countId } },
    );
    expect(counted.input_tokens).toBe(3);
    // Usage is written in request order: once a later request's event is there, the count's would be.
    const laterId = requestIdFor('after-count');
    await client.messages.create(
      { model: 'claude-sonnet-4-5', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'x-request-id': laterId } },
    );
    await usageEventOf(gateway.admin, laterId);
    expect((await gateway.admin.usage.events({ request_id: countId })).items).toEqual([]);
  });

  it('lists models in the Anthropic shape', async () => {
    const client = anthropicClient(gateway, anthropicTenant.secret);
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(['claude-sonnet-4-5']);
  });
});
