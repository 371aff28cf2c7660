import { DEFAULT_ANSWER, type MockUpstream, PONG_ANSWER } from '@relay/testkit';
import { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  anthropicClient,
  GATEWAY_REQUEST_ID,
  GATEWAY_START_TIMEOUT_MS,
  MockUpstreams,
  openaiClient,
  type RelayGateway,
  requestIdOf,
  seedTenant,
  startRelayGateway,
  type Tenant,
  usageEventOf,
  usageEventsOfKey,
} from '../support/relay-harness.ts';

/**
 * Issue 4 "Done when" #1: every public route works through the official SDKs against the real
 * gateway process, with both auth headers, and the x-request-id each response carries (always the
 * gateway's own, ADR 0006) is its usage event's id.
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

/** Decimal USD (at most 6 decimals, as the API writes money) in integer micros, for exact sums. */
function micros(usd: string): bigint {
  const [whole = '0', fraction = ''] = usd.replace('-', '').split('.');
  const value = BigInt(whole) * 1_000_000n + BigInt(fraction.padEnd(6, '0'));
  return usd.startsWith('-') ? -value : value;
}

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
    'answers a non-stream chat completion (%s) and records its usage under the returned request id',
    async (_label, viaXApiKey) => {
      const client = openaiClient(gateway, openaiTenant.secret, { viaXApiKey });
      const { data, response, request_id } = await client.chat.completions
        .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Reply with pong only' }] })
        .withResponse();
      expect(data.choices[0]?.message.content).toBe(PONG_ANSWER.text);
      const requestId = requestIdOf(response.headers);
      // The SDK exposes the same id, as it does for OpenAI's own request ids.
      expect(request_id).toBe(requestId);

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

  it("never keeps a caller's x-request-id: each request is keyed (and billed) on the gateway's own id", async () => {
    // A tenant of its own, so its balance shows exactly what these two requests were charged.
    const tenant = await seedTenant(gateway.admin, {
      platform: 'openai',
      accounts: [{ mock, models: ['gpt-4o-mini'] }],
    });
    const client = openaiClient(gateway, tenant.secret);
    const callerId = `e2e-caller-id-${Date.now().toString(36)}`;
    const calls = mock.counts().total;
    const requestIds: string[] = [];
    for (const content of ['Reply with pong only', 'Reply with pong only, again']) {
      const { response } = await client.chat.completions
        .create(
          { model: 'gpt-4o-mini', messages: [{ role: 'user', content }] },
          { headers: { 'x-request-id': callerId } },
        )
        .withResponse();
      expect(response.status).toBe(200);
      const returned = response.headers.get('x-request-id');
      expect(returned).not.toBe(callerId);
      expect(returned).toMatch(GATEWAY_REQUEST_ID);
      requestIds.push(requestIdOf(response.headers));
    }
    expect(new Set(requestIds).size).toBe(2);
    // Both were relayed, and both were billed: one usage event each, none under the caller's id.
    expect(mock.counts().total - calls).toBe(2);
    const events = await usageEventsOfKey(gateway.admin, tenant.key.id, 2);
    expect(events.map((event) => event.request_id).sort()).toEqual([...requestIds].sort());
    for (const event of events) {
      expect(event.status_code).toBe(200);
      expect(micros(event.charged_usd)).toBeGreaterThan(0n);
    }
    expect((await gateway.admin.usage.events({ request_id: callerId })).items).toEqual([]);
    const charged = events.reduce((sum, event) => sum + micros(event.charged_usd), 0n);
    const user = await gateway.admin.users.get(tenant.user.id);
    expect(micros(user.balance_usd)).toBe(micros(tenant.user.balance_usd) - charged);
  });

  it('streams a chat completion and strips the usage chunk the client did not ask for', async () => {
    const client = openaiClient(gateway, openaiTenant.secret);
    const { data: stream, response } = await client.chat.completions
      .create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'tell me something' }],
        stream: true,
      })
      .withResponse();
    const requestId = requestIdOf(response.headers);
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
    const { data: stream, response } = await client.chat.completions
      .create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Reply with pong only' }],
        stream: true,
        stream_options: { include_usage: true },
      })
      .withResponse();
    const requestId = requestIdOf(response.headers);
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
    const { data, response } = await client.embeddings
      .create({ model: 'text-embedding-3-small', input: ['one', 'two'] })
      .withResponse();
    expect(data.data).toHaveLength(2);
    expect(data.data[0]?.embedding.length).toBeGreaterThan(0);
    const requestId = requestIdOf(response.headers);
    const event = await usageEventOf(gateway.admin, requestId);
    expect(event).toMatchObject({
      endpoint: '/v1/embeddings',
      status_code: 200,
      prompt_tokens: data.usage.prompt_tokens,
    });
  });

  it('relays the Responses API, non-stream and stream', async () => {
    const client = openaiClient(gateway, openaiTenant.secret);
    const { data, response } = await client.responses
      .create({ model: 'gpt-4o-mini', input: 'Reply with pong only' })
      .withResponse();
    expect(data.output_text).toBe(PONG_ANSWER.text);
    const requestId = requestIdOf(response.headers);
    const event = await usageEventOf(gateway.admin, requestId);
    expect(event).toMatchObject({ endpoint: '/v1/responses', status_code: 200, usage_estimated: false });

    const streaming = await client.responses
      .create({ model: 'gpt-4o-mini', input: 'hello there', stream: true })
      .withResponse();
    const stream = streaming.data;
    const streamId = requestIdOf(streaming.response.headers);
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
    const { data, response } = await client.messages
      .create({
        model: 'claude-sonnet-4-5',
        max_tokens: 64,
        messages: [{ role: 'user', content: 'Reply with pong only' }],
      })
      .withResponse();
    expect(data.content[0]).toMatchObject({ type: 'text', text: PONG_ANSWER.text });
    const requestId = requestIdOf(response.headers);
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
    const { data: stream, response } = await client.messages
      .create({
        model: 'claude-sonnet-4-5',
        max_tokens: 64,
        messages: [{ role: 'user', content: 'say something' }],
        stream: true,
      })
      .withResponse();
    const requestId = requestIdOf(response.headers);
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
    const { data: counted, response } = await client.messages
      .countTokens({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'twelve bytes' }] })
      .withResponse();
    expect(counted.input_tokens).toBe(3);
    const countId = requestIdOf(response.headers);
    // Usage is written in request order: once a later request's event is there, the count's would be.
    const later = await client.messages
      .create({ model: 'claude-sonnet-4-5', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    await usageEventOf(gateway.admin, requestIdOf(later.response.headers));
    expect((await gateway.admin.usage.events({ request_id: countId })).items).toEqual([]);
  });

  it('lists models in the Anthropic shape', async () => {
    const client = anthropicClient(gateway, anthropicTenant.secret);
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(['claude-sonnet-4-5']);
  });
});
