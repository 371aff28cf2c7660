import type { MockFault, MockUpstream } from '@relay/testkit';
import { waitFor } from '@relay/testkit';
import { APIError } from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  anthropicClient,
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
 * Issue 4 "Done when" #2 (docs/architecture.md#quality-bar ("Upstream faults")): every fault mode of the mock upstream gives
 * the specified failover or error, leaves the account in the right state, and writes exactly one
 * usage event per request. Each test has its own tenant with a primary account (tried first) and,
 * mostly, a secondary one, each on its own mock so the mocks' counts show where traffic went.
 */

const UPSTREAM_TIMEOUT_MS = 1_500;

let gateway: RelayGateway;
const mocks = new MockUpstreams();

beforeAll(async () => {
  gateway = await startRelayGateway({ GATEWAY_UPSTREAM_TIMEOUT_MS: String(UPSTREAM_TIMEOUT_MS) });
}, GATEWAY_START_TIMEOUT_MS);
afterEach(() => mocks.closeAll());
afterAll(() => gateway?.close());

type Pair = { tenant: Tenant; primary: MockUpstream; secondary: MockUpstream };

/** A tenant with a primary account (priority 10) and a secondary one (20), each on its own mock. */
async function pair(platform: 'openai' | 'anthropic' = 'openai'): Promise<Pair> {
  const primary = await mocks.start();
  const secondary = await mocks.start();
  const tenant = await seedTenant(gateway.admin, {
    platform,
    accounts: [
      { mock: primary, priority: 10 },
      { mock: secondary, priority: 20 },
    ],
  });
  return { tenant, primary, secondary };
}

let sequence = 0;

/**
 * One non-stream chat completion through the openai SDK; resolves with the answer or the APIError,
 * and the request id the gateway returned with either (the key of the request's usage event).
 */
async function chat(tenant: Tenant) {
  const client = openaiClient(gateway, tenant.secret);
  // A distinct prompt per call keeps the conversation-hash sessions apart.
  const content = `Reply with pong only ${++sequence}`;
  try {
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] })
      .withResponse();
    return { requestId: requestIdOf(response.headers), data, error: undefined };
  } catch (error) {
    if (!(error instanceof APIError)) throw error;
    return { requestId: requestIdOf(error.headers), data: undefined, error };
  }
}

/** Every request of the key produced exactly one usage event. */
async function expectOneEventEach(tenant: Tenant, requestIds: string[]) {
  const events = await usageEventsOfKey(gateway.admin, tenant.key.id, requestIds.length);
  expect(events.map((event) => event.request_id).sort()).toEqual([...requestIds].sort());
}

describe('failover before the first byte', () => {
  it.each(['status_500', 'status_502', 'status_503'] as const)(
    '%s from the first account fails over to the second; one 5xx does not bench the account',
    async (mode) => {
      const { tenant, primary, secondary } = await pair();
      primary.setFault({ mode, times: 1 } as MockFault);
      const first = await chat(tenant);
      expect(first.error).toBeUndefined();
      expect(first.data?.choices[0]?.message.content).toBe('pong');
      expect(primary.counts().total).toBe(1);
      expect(secondary.counts().total).toBe(1);
      const event = await usageEventOf(gateway.admin, first.requestId);
      expect(event).toMatchObject({ status_code: 200, attempts: 2, account_id: tenant.accounts[1]?.id });

      // A single failure leaves the circuit closed: the next request goes to the primary again.
      const second = await chat(tenant);
      expect(second.error).toBeUndefined();
      expect(primary.counts().total).toBe(2);
      expect((await usageEventOf(gateway.admin, second.requestId)).attempts).toBe(1);
      await expectOneEventEach(tenant, [first.requestId, second.requestId]);
    },
  );

  it('a stream request fails over too while nothing has been sent to the client', async () => {
    const { tenant, primary, secondary } = await pair();
    primary.setFault({ mode: 'status_503', times: 1 });
    const { data: stream, response } = await openaiClient(gateway, tenant.secret)
      .chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Reply with pong only' }],
        stream: true,
      })
      .withResponse();
    const requestId = requestIdOf(response.headers);
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('pong');
    expect(primary.counts().total).toBe(1);
    expect(secondary.counts().total).toBe(1);
    expect(await usageEventOf(gateway.admin, requestId)).toMatchObject({
      status_code: 200,
      stream: true,
      attempts: 2,
      account_id: tenant.accounts[1]?.id,
    });
    await expectOneEventEach(tenant, [requestId]);
  });

  it('529 (Anthropic overloaded) on /v1/messages fails over to the second account', async () => {
    const { tenant, primary, secondary } = await pair('anthropic');
    primary.setFault({ mode: 'status_529', times: 1 });
    const { data: message, response } = await anthropicClient(gateway, tenant.secret)
      .messages.create({
        model: 'claude-sonnet-4-5',
        max_tokens: 16,
        messages: [{ role: 'user', content: 'Reply with pong only' }],
      })
      .withResponse();
    const requestId = requestIdOf(response.headers);
    expect(message.content[0]).toMatchObject({ type: 'text', text: 'pong' });
    expect(primary.counts().total).toBe(1);
    expect(secondary.counts().total).toBe(1);
    expect(await usageEventOf(gateway.admin, requestId)).toMatchObject({
      status_code: 200,
      attempts: 2,
      account_id: tenant.accounts[1]?.id,
    });
    await expectOneEventEach(tenant, [requestId]);
  });

  it('429 with Retry-After fails over and cools the account down: the next request skips it', async () => {
    const { tenant, primary, secondary } = await pair();
    primary.setFault({ mode: 'status_429', retryAfterSeconds: 30, times: 1 });
    const first = await chat(tenant);
    expect(first.error).toBeUndefined();
    expect(await usageEventOf(gateway.admin, first.requestId)).toMatchObject({
      attempts: 2,
      account_id: tenant.accounts[1]?.id,
    });

    const second = await chat(tenant);
    expect(second.error).toBeUndefined();
    expect(primary.counts().total).toBe(1);
    expect(secondary.counts().total).toBe(2);
    expect(await usageEventOf(gateway.admin, second.requestId)).toMatchObject({
      attempts: 1,
      account_id: tenant.accounts[1]?.id,
    });
    await expectOneEventEach(tenant, [first.requestId, second.requestId]);
  });

  it('401 from the upstream fails over and puts the account in status=error with last_error', async () => {
    const { tenant, primary, secondary } = await pair();
    primary.setFault({ mode: 'status_401' });
    const first = await chat(tenant);
    expect(first.error).toBeUndefined();
    expect(await usageEventOf(gateway.admin, first.requestId)).toMatchObject({
      attempts: 2,
      account_id: tenant.accounts[1]?.id,
    });
    const primaryId = tenant.accounts[0]?.id ?? '';
    const account = await waitFor(
      async () => {
        const current = await gateway.admin.accounts.get(primaryId);
        return current.status === 'error' ? current : undefined;
      },
      { timeoutMs: 5_000, message: 'primary account status=error' },
    );
    expect(account?.last_error).toMatch(/401/);

    // The account is out of rotation (the cache was invalidated): the next request goes straight on.
    const second = await chat(tenant);
    expect(second.error).toBeUndefined();
    expect(primary.counts().total).toBe(1);
    expect(secondary.counts().total).toBe(2);
    await expectOneEventEach(tenant, [first.requestId, second.requestId]);
  });

  it('an upstream that never answers times out, then the request fails over', async () => {
    const { tenant, primary, secondary } = await pair();
    primary.setFault({ mode: 'hang', times: 1 });
    const started = Date.now();
    const first = await chat(tenant);
    expect(first.error).toBeUndefined();
    // It waited for the timeout (undici's timers have ~0.5 s resolution, hence the slack).
    expect(Date.now() - started).toBeGreaterThanOrEqual(UPSTREAM_TIMEOUT_MS - 500);
    expect(secondary.counts().total).toBe(1);
    expect(await usageEventOf(gateway.admin, first.requestId)).toMatchObject({
      attempts: 2,
      account_id: tenant.accounts[1]?.id,
    });
    // The gateway gave up on the held request: nothing is left open upstream.
    await waitFor(() => primary.pendingResponses() === 0, { message: 'hung upstream request released' });
    await expectOneEventEach(tenant, [first.requestId]);
  });

  it('with a single account, an upstream that never answers gives 504 UPSTREAM_TIMEOUT', async () => {
    const only = await mocks.start();
    const tenant = await seedTenant(gateway.admin, { platform: 'openai', accounts: [{ mock: only }] });
    only.setFault({ mode: 'hang', times: 1 });
    const result = await chat(tenant);
    expect(result.error?.status).toBe(504);
    expect(result.error?.code).toBe('UPSTREAM_TIMEOUT');
    // The error carries the gateway's request id (chat() read it from the error's headers), and the
    // SDK exposes the same id on the error.
    expect(result.error?.requestID).toBe(result.requestId);
    expect(await usageEventOf(gateway.admin, result.requestId)).toMatchObject({
      status_code: 504,
      attempts: 1,
      account_id: tenant.accounts[0]?.id,
    });
    await expectOneEventEach(tenant, [result.requestId]);
  });

  it('a connection reset in the middle of a non-stream body fails over', async () => {
    const { tenant, primary, secondary } = await pair();
    primary.setFault({ mode: 'reset_mid_body', times: 1 });
    const result = await chat(tenant);
    expect(result.error).toBeUndefined();
    expect(result.data?.choices[0]?.message.content).toBe('pong');
    expect(primary.counts().total).toBe(1);
    expect(secondary.counts().total).toBe(1);
    expect(await usageEventOf(gateway.admin, result.requestId)).toMatchObject({
      status_code: 200,
      attempts: 2,
      account_id: tenant.accounts[1]?.id,
    });
    await expectOneEventEach(tenant, [result.requestId]);
  });

  it('connection refused fails over', async () => {
    const { tenant, primary, secondary } = await pair();
    await primary.stop();
    const result = await chat(tenant);
    expect(result.error).toBeUndefined();
    expect(secondary.counts().total).toBe(1);
    expect(await usageEventOf(gateway.admin, result.requestId)).toMatchObject({
      status_code: 200,
      attempts: 2,
      account_id: tenant.accounts[1]?.id,
    });
    await expectOneEventEach(tenant, [result.requestId]);
  });
});

describe('no failover', () => {
  it('a stream cut after the first byte ends the client stream with an error, without a retry', async () => {
    const { tenant, primary, secondary } = await pair();
    primary.setFault({ mode: 'stream_cut', afterEvents: 3, times: 1 });
    // The stream's response headers (sent before the failure) carry the request id.
    const { data: stream, response } = await openaiClient(gateway, tenant.secret)
      .chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'say something' }],
        stream: true,
      })
      .withResponse();
    const requestId = requestIdOf(response.headers);
    let text = '';
    let failure: unknown;
    try {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(APIError);
    expect((failure as APIError).message).toMatch(/interrupted/);
    // What arrived before the cut was delivered; nothing was replayed from another account.
    expect(text).toBe('Hello from');
    expect(primary.counts().total).toBe(1);
    expect(secondary.counts().total).toBe(0);
    expect(await usageEventOf(gateway.admin, requestId)).toMatchObject({
      status_code: 502,
      attempts: 1,
      stream: true,
      account_id: tenant.accounts[0]?.id,
    });
    await expectOneEventEach(tenant, [requestId]);
  });

  it('a stream reset in the middle of an event ends with a well-formed error event, not half an event', async () => {
    const { tenant, primary, secondary } = await pair();
    primary.setFault({ mode: 'reset_mid_body', times: 1 });
    // The stream's response headers (sent before the failure) carry the request id.
    const { data: stream, response } = await openaiClient(gateway, tenant.secret)
      .chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'say something' }],
        stream: true,
      })
      .withResponse();
    const requestId = requestIdOf(response.headers);
    const failure = await (async () => {
      for await (const _chunk of stream) expect.fail('no whole event was sent upstream');
    })().catch((error: unknown) => error);
    // An APIError parsed from the gateway's error event (a half event would be a JSON SyntaxError).
    expect(failure).toBeInstanceOf(APIError);
    expect((failure as APIError).message).toMatch(/interrupted/);
    expect(primary.counts().total).toBe(1);
    expect(secondary.counts().total).toBe(0);
    expect(await usageEventOf(gateway.admin, requestId)).toMatchObject({ status_code: 502, attempts: 1 });
    await expectOneEventEach(tenant, [requestId]);
  });

  it('an Anthropic stream cut mid-way ends with an Anthropic error event, without a retry', async () => {
    const { tenant, primary, secondary } = await pair('anthropic');
    primary.setFault({ mode: 'stream_cut', afterEvents: 4, times: 1 });
    const { data: stream, response } = await anthropicClient(gateway, tenant.secret)
      .messages.create({
        model: 'claude-sonnet-4-5',
        max_tokens: 64,
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
      })
      .withResponse();
    const requestId = requestIdOf(response.headers);
    let text = '';
    const failure = await (async () => {
      for await (const event of stream) {
        if (event.type === 'content_block_delta' && event.delta.type === 'text_delta')
          text += event.delta.text;
      }
    })().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(/interrupted/);
    expect(text).toBe('Hello');
    expect(primary.counts().total).toBe(1);
    expect(secondary.counts().total).toBe(0);
    expect(await usageEventOf(gateway.admin, requestId)).toMatchObject({ status_code: 502, attempts: 1 });
    await expectOneEventEach(tenant, [requestId]);
  });

  it("a 400 caused by the request is passed through with the upstream's status and body", async () => {
    const { tenant, primary, secondary } = await pair();
    primary.setFault({ mode: 'status_400', message: 'messages[0].content: bad part', times: 1 });
    const result = await chat(tenant);
    expect(result.error?.status).toBe(400);
    expect(result.error?.error).toEqual({
      message: 'messages[0].content: bad part',
      type: 'invalid_request_error',
      param: null,
      code: null,
    });
    expect(primary.counts().total).toBe(1);
    expect(secondary.counts().total).toBe(0);
    expect(await usageEventOf(gateway.admin, result.requestId)).toMatchObject({
      status_code: 400,
      attempts: 1,
      account_id: tenant.accounts[0]?.id,
    });
    await expectOneEventEach(tenant, [result.requestId]);
  });

  it('when every account fails the client gets 502 UPSTREAM_ERROR', async () => {
    const { tenant, primary, secondary } = await pair();
    primary.setFault({ mode: 'status_503' });
    secondary.setFault({ mode: 'status_500' });
    const result = await chat(tenant);
    expect(result.error?.status).toBe(502);
    expect(result.error?.code).toBe('UPSTREAM_ERROR');
    expect(result.error?.message).toMatch(/after 2 attempts/);
    expect(await usageEventOf(gateway.admin, result.requestId)).toMatchObject({
      status_code: 502,
      attempts: 2,
    });
    await expectOneEventEach(tenant, [result.requestId]);
  });

  it('gives up after GATEWAY_MAX_ATTEMPTS (default 3) attempts', async () => {
    const failing = [await mocks.start(), await mocks.start(), await mocks.start(), await mocks.start()];
    const tenant = await seedTenant(gateway.admin, {
      platform: 'openai',
      accounts: failing.map((mock, index) => ({ mock, priority: 10 + index })),
    });
    for (const mock of failing) mock.setFault({ mode: 'status_502' });
    const result = await chat(tenant);
    expect(result.error?.status).toBe(502);
    expect(result.error?.message).toMatch(/after 3 attempts/);
    expect(failing.map((mock) => mock.counts().total)).toEqual([1, 1, 1, 0]);
    expect(await usageEventOf(gateway.admin, result.requestId)).toMatchObject({
      status_code: 502,
      attempts: 3,
    });
    await expectOneEventEach(tenant, [result.requestId]);
  });
});

describe('circuit breaker', () => {
  it('opens after 3 consecutive 5xx: the next request skips the failing account', async () => {
    const { tenant, primary, secondary } = await pair();
    primary.setFault({ mode: 'status_500' });
    const requestIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const result = await chat(tenant);
      expect(result.error).toBeUndefined();
      requestIds.push(result.requestId);
      expect((await usageEventOf(gateway.admin, result.requestId)).attempts).toBe(2);
    }
    expect(primary.counts().total).toBe(3);

    const skipped = await chat(tenant);
    expect(skipped.error).toBeUndefined();
    requestIds.push(skipped.requestId);
    expect(primary.counts().total).toBe(3);
    expect(secondary.counts().total).toBe(4);
    expect(await usageEventOf(gateway.admin, skipped.requestId)).toMatchObject({
      attempts: 1,
      account_id: tenant.accounts[1]?.id,
    });
    await expectOneEventEach(tenant, requestIds);
  });
});
