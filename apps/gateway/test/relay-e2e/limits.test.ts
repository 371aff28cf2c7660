import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MockUpstream } from '@relay/testkit';
import { waitFor } from '@relay/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addKey,
  callGateway,
  chatBody,
  GATEWAY_REQUEST_ID,
  GATEWAY_START_TIMEOUT_MS,
  MockUpstreams,
  type RawAnswer,
  type RelayGateway,
  requestIdOf,
  seedTenant,
  startRelayGateway,
  type Tenant,
  uniqueName,
  usageEventOf,
  usageEventsOfKey,
} from '../support/relay-harness.ts';

/**
 * Issue 4 "Done when" #6 and the gate of docs/architecture.md#the-relay: a client that disconnects mid-stream frees
 * its slots; rate, concurrency, key state, money and bad input each get their documented status
 * and code, in the error envelope of the route family (OpenAI or Anthropic).
 */

const BODY_LIMIT_BYTES = 64 * 1024;

let gateway: RelayGateway;
const mocks = new MockUpstreams();
let openaiMock: MockUpstream;
let anthropicMock: MockUpstream;
let openaiTenant: Tenant;
let anthropicTenant: Tenant;

beforeAll(async () => {
  gateway = await startRelayGateway({ GATEWAY_BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES) });
  openaiMock = await mocks.start();
  anthropicMock = await mocks.start();
  openaiTenant = await seedTenant(gateway.admin, { platform: 'openai', accounts: [{ mock: openaiMock }] });
  anthropicTenant = await seedTenant(gateway.admin, {
    platform: 'anthropic',
    accounts: [{ mock: anthropicMock }],
  });
}, GATEWAY_START_TIMEOUT_MS);
afterAll(async () => {
  await gateway?.close();
  await mocks.closeAll();
});

type Family = {
  name: 'openai' | 'anthropic';
  path: string;
  tenant: () => Tenant;
  body: (text: string) => Record<string, unknown>;
};

const FAMILIES: Family[] = [
  {
    name: 'openai',
    path: '/v1/chat/completions',
    tenant: () => openaiTenant,
    body: (text) => chatBody(text),
  },
  {
    name: 'anthropic',
    path: '/v1/messages',
    tenant: () => anthropicTenant,
    body: (text) => ({
      model: 'claude-sonnet-4-5',
      max_tokens: 16,
      messages: [{ role: 'user', content: text }],
    }),
  },
];

const OPENAI_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  413: 'invalid_request_error',
  429: 'rate_limit_error',
};
const ANTHROPIC_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
};

/** The answer is the documented error, in the envelope of the route's family. */
function expectError(family: Family, answer: RawAnswer, status: number, code: string) {
  expect({ status: answer.status, body: answer.json }).toMatchObject({ status });
  if (family.name === 'openai') {
    const { error } = answer.json as { error: Record<string, unknown> };
    expect(Object.keys(error).sort()).toEqual(['code', 'message', 'param', 'type']);
    expect(error).toMatchObject({ message: expect.any(String), type: OPENAI_TYPES[status], code });
    expect(error.param === null || typeof error.param === 'string').toBe(true);
  } else {
    expect(answer.json).toEqual({
      type: 'error',
      error: { type: ANTHROPIC_TYPES[status], message: expect.any(String), code },
    });
  }
  // Refused before any relaying, it still carries the gateway's own request id.
  requestIdOf(answer.headers);
}

describe.each(FAMILIES)('$name route family: the documented errors', (family) => {
  const call = (init: Parameters<typeof callGateway>[2], path = family.path) =>
    callGateway(gateway, path, { body: family.body('hi'), ...init });

  it('a missing, unknown, disabled, revoked or expired key gets its 401 code', async () => {
    const tenant = family.tenant();
    expectError(family, await call({}), 401, 'API_KEY_REQUIRED');
    expectError(family, await call({ secret: 'sk-relay-this-key-does-not-exist' }), 401, 'INVALID_API_KEY');

    const disabled = await addKey(gateway.admin, tenant, { status: 'disabled' });
    expectError(family, await call({ secret: disabled.secret }), 401, 'API_KEY_DISABLED');

    const revoked = await addKey(gateway.admin, tenant);
    expect((await call({ secret: revoked.secret })).status).toBe(200);
    await gateway.admin.apiKeys.revoke(revoked.key.id);
    expectError(family, await call({ secret: revoked.secret }), 401, 'API_KEY_REVOKED');

    const expired = await addKey(gateway.admin, tenant, {
      expires_at: new Date(Date.now() - 60_000).toISOString(),
    });
    expectError(family, await call({ secret: expired.secret }), 401, 'API_KEY_EXPIRED');

    // The key is checked before the body: an unknown key learns nothing about request validation.
    expectError(
      family,
      await call({ secret: 'sk-relay-unknown', rawBody: '{"model":' }),
      401,
      'INVALID_API_KEY',
    );

    // x-api-key is read the same way as the Bearer header.
    const viaHeader = await callGateway(gateway, family.path, {
      body: family.body('hi'),
      headers: { 'x-api-key': disabled.secret },
    });
    expectError(family, viaHeader, 401, 'API_KEY_DISABLED');
  });

  it('a key used from an address outside its ip_allow gets 403 IP_NOT_ALLOWED', async () => {
    const fenced = await addKey(gateway.admin, family.tenant(), { ip_allow: ['10.0.0.0/8'] });
    expectError(family, await call({ secret: fenced.secret }), 403, 'IP_NOT_ALLOWED');
    const denied = await addKey(gateway.admin, family.tenant(), { ip_deny: ['127.0.0.1'] });
    expectError(family, await call({ secret: denied.secret }), 403, 'IP_NOT_ALLOWED');
  });

  it('an exhausted key quota and an empty balance get 403 QUOTA_EXCEEDED / INSUFFICIENT_BALANCE', async () => {
    const tenant = family.tenant();
    const noQuota = await addKey(gateway.admin, tenant, { quota_usd: '0' });
    expectError(family, await call({ secret: noQuota.secret }), 403, 'QUOTA_EXCEEDED');

    const broke = await gateway.admin.users.create({ name: uniqueName('broke'), balance_usd: '0' });
    const { secret } = await gateway.admin.apiKeys.create({
      user_id: broke.id,
      group_id: tenant.group.id,
      name: 'broke',
    });
    expectError(family, await call({ secret }), 403, 'INSUFFICIENT_BALANCE');
  });

  it('the third request in a minute with rpm_limit 2 gets 429 RATE_LIMITED with Retry-After', async () => {
    const { secret } = await addKey(gateway.admin, family.tenant(), { rpm_limit: 2 });
    expect((await call({ secret })).status).toBe(200);
    expect((await call({ secret })).status).toBe(200);
    const limited = await call({ secret });
    expectError(family, limited, 429, 'RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('malformed JSON, a body over the limit and a key in the query string are refused', async () => {
    const { secret } = family.tenant();
    expectError(
      family,
      await call({ secret, rawBody: '{"model": "gpt-4o-mini", "messages": [' }),
      400,
      'INVALID_REQUEST',
    );
    expectError(family, await call({ secret, body: { messages: [] } }), 400, 'INVALID_REQUEST');

    const huge = JSON.stringify(family.body('x'.repeat(BODY_LIMIT_BYTES + 1)));
    expectError(family, await call({ secret, rawBody: huge }), 413, 'REQUEST_TOO_LARGE');
    // Without Content-Length (chunked upload) the limit holds while reading.
    const chunked = await fetch(`${gateway.url}${family.path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: new Blob([huge]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);

    const inQuery = await call({ secret }, `${family.path}?api_key=${secret}`);
    expectError(family, inQuery, 400, 'INVALID_REQUEST');
    expect((inQuery.json as { error: { message: string } }).error.message).toMatch(/query string/);
  });
});

describe('slots', () => {
  it('a request refused at admission leaves the account slot claimed with it free', async () => {
    // The relay asks for the predicted account's slot together with admission; a refusal gives it back.
    const mock = await mocks.start();
    const tenant = await seedTenant(gateway.admin, {
      platform: 'openai',
      accounts: [{ mock, account: { concurrency: 1 } }],
      key: { rpm_limit: 1 },
    });
    const other = await addKey(gateway.admin, tenant, {});
    const send = (secret: string) =>
      callGateway(gateway, '/v1/chat/completions', { secret, body: chatBody('claim') });
    expect((await send(tenant.secret)).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await send(tenant.secret)).status).toBe(429);
    // The account's only slot is free at once: another key of the group is served, not told it is busy.
    expect((await send(other.secret)).status).toBe(200);
    expect(mock.counts().total).toBe(2);
  });

  it('a client that disconnects mid-stream frees its slots and aborts the upstream call', async () => {
    const mock = await mocks.start();
    const tenant = await seedTenant(gateway.admin, {
      platform: 'openai',
      accounts: [{ mock, account: { concurrency: 1 } }],
      key: { concurrency_limit: 1 },
    });
    mock.setFault({ mode: 'slow_stream', intervalMs: 250, times: 1 });
    const abort = new AbortController();
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify(chatBody('a long story please', { stream: true })),
      signal: abort.signal,
    });
    expect(response.status).toBe(200);
    const requestId = requestIdOf(response.headers);
    const reader = response.body?.getReader();
    const first = await reader?.read();
    expect(first?.done).toBe(false);
    expect(mock.pendingResponses()).toBe(1);

    // While the stream is in flight the key's only slot is taken.
    const busy = await callGateway(gateway, '/v1/chat/completions', {
      secret: tenant.secret,
      body: chatBody('meanwhile'),
    });
    expectError(FAMILIES[0] as Family, busy, 429, 'CONCURRENCY_LIMITED');
    expect(busy.headers.get('retry-after')).toBe('1');

    abort.abort();
    await reader?.cancel().catch(() => undefined);
    await waitFor(() => mock.pendingResponses() === 0, {
      timeoutMs: 5_000,
      message: 'upstream call aborted',
    });
    const next = await waitFor(
      async () => {
        const answer = await callGateway(gateway, '/v1/chat/completions', {
          secret: tenant.secret,
          body: chatBody('next'),
        });
        return answer.status === 200 ? answer : undefined;
      },
      { timeoutMs: 5_000, message: 'the next request is not limited by a leaked slot' },
    );
    expect(next?.status).toBe(200);
    const event = await usageEventOf(gateway.admin, requestId);
    expect(event).toMatchObject({
      status_code: 499,
      stream: true,
      attempts: 1,
      account_id: tenant.accounts[0]?.id,
    });
    // Only the slow stream and the next request reached the upstream (the refused one never did).
    expect(mock.counts().total).toBe(2);
  });

  it('a client that gives up while a non-stream answer is read still frees its slots and gets one usage event', async () => {
    // An upstream that sends its headers and the start of the body, then stalls (the mock cannot).
    const stalled = new Set<ServerResponse>();
    const upstream = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
        res.write('{"id":"chatcmpl-stalled",');
        stalled.add(res);
        res.on('close', () => stalled.delete(res));
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const { port } = upstream.address() as AddressInfo;
    try {
      const tenant = await seedTenant(gateway.admin, {
        platform: 'openai',
        accounts: [{ mock: { url: `http://127.0.0.1:${port}`, apiKey: 'sk-stalled' } as MockUpstream }],
        key: { concurrency_limit: 1 },
      });
      const abort = new AbortController();
      const pending = fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tenant.secret}`, 'content-type': 'application/json' },
        body: JSON.stringify(chatBody('hello')),
        signal: abort.signal,
      }).catch((error: unknown) => error);
      await waitFor(() => stalled.size === 1, { message: 'the upstream answer has started' });
      abort.abort();
      expect(await pending).toBeInstanceOf(Error);

      await waitFor(() => stalled.size === 0, { timeoutMs: 5_000, message: 'upstream call aborted' });
      // The client never got a response (so no x-request-id); the key is this test's own, so its only
      // usage event is the abandoned request's.
      const events = await usageEventsOfKey(gateway.admin, tenant.key.id, 1);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        request_id: expect.stringMatching(GATEWAY_REQUEST_ID),
        status_code: 499,
        attempts: 1,
        stream: false,
      });
      // The key's only slot is free again (the next request reaches the stalled upstream, then gives up).
      const next = new AbortController();
      const again = fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tenant.secret}`, 'content-type': 'application/json' },
        body: JSON.stringify(chatBody('again')),
        signal: next.signal,
      }).catch((error: unknown) => error);
      await waitFor(() => stalled.size === 1, {
        timeoutMs: 5_000,
        message: 'the next request was not limited',
      });
      next.abort();
      await again;
    } finally {
      upstream.closeAllConnections();
      await new Promise<void>((resolve) => upstream.close(() => resolve()));
    }
  });
});
