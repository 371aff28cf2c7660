import { connect } from 'node:net';
import type { MockUpstream } from '@relay/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  callGateway,
  chatBody,
  GATEWAY_START_TIMEOUT_MS,
  MockUpstreams,
  type RelayGateway,
  seedTenant,
  startRelayGateway,
  type Tenant,
} from '../support/relay-harness.ts';
import { expectPublicRefusal } from './public-api.ts';

/**
 * Issue 9 "Bad input": request JSON nested thousands deep (the session hash and a rewritten upstream
 * body are recursive), a key in the query string under any spelling of its name, and a body that
 * trickles in: each a documented 4xx, never a 500, and nothing held afterwards.
 */

const GRACE_MS = 300;
const MIN_BYTES_PER_SECOND = 1_000;

let gateway: RelayGateway;
const mocks = new MockUpstreams();
let mock: MockUpstream;
/** Two accounts: the session identity (a hash of the conversation opening) is computed. */
let openai: Tenant;
let anthropic: Tenant;

beforeAll(async () => {
  gateway = await startRelayGateway({
    GATEWAY_BODY_GRACE_MS: String(GRACE_MS),
    GATEWAY_BODY_MIN_BYTES_PER_SECOND: String(MIN_BYTES_PER_SECOND),
  });
  mock = await mocks.start();
  openai = await seedTenant(gateway.admin, {
    platform: 'openai',
    accounts: [{ mock }, { mock }],
    key: { concurrency_limit: 1 },
  });
  anthropic = await seedTenant(gateway.admin, { platform: 'anthropic', accounts: [{ mock }, { mock }] });
}, GATEWAY_START_TIMEOUT_MS);

afterAll(async () => {
  await gateway?.close();
  await mocks.closeAll();
});

const nested = (depth: number) => `${'['.repeat(depth)}"hi"${']'.repeat(depth)}`;

describe('deep nesting', () => {
  it('6,000 levels in messages is a 400 on both route families, never a 500', async () => {
    const cases = [
      {
        path: '/v1/chat/completions',
        secret: openai.secret,
        body: `{"model":"gpt-4o-mini","messages":[{"role":"user","content":${nested(6_000)}}]}`,
      },
      {
        path: '/v1/messages',
        secret: anthropic.secret,
        body: `{"model":"claude-sonnet-4-5","max_tokens":8,"messages":[{"role":"user","content":${nested(6_000)}}]}`,
      },
    ];
    for (const { path, secret, body } of cases) {
      const answer = await callGateway(gateway, path, { secret, rawBody: body });
      expect(expectPublicRefusal(answer, path, [400])).toBe('INVALID_REQUEST');
      expect(answer.text).toMatch(/deeper than 128 levels/);
    }
    console.log(`[figure] 6000-deep body status: 400 (limit 128 levels)`);
  });

  it('refuses one level past the documented depth and relays at it', async () => {
    const at = (depth: number) =>
      callGateway(gateway, '/v1/chat/completions', {
        secret: openai.secret,
        // The message object and the messages array are two levels, the body object a third.
        rawBody: `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi","extra":${nested(depth - 3)}}]}`,
      });
    const past = await at(129);
    expect(expectPublicRefusal(past, '/v1/chat/completions', [400])).toBe('INVALID_REQUEST');
    expect((await at(128)).status).toBe(200);
  });

  it('brackets inside strings do not count', async () => {
    const answer = await callGateway(gateway, '/v1/chat/completions', {
      secret: openai.secret,
      body: chatBody(`${'[{'.repeat(500)} \\" "[[`),
    });
    expect(answer.status).toBe(200);
  });
});

describe('a key in the query string', () => {
  it.each(['Key', 'KEY', 'Api_Key', 'API-KEY', 'ApiKey', 'Access_Token', 'TOKEN'])(
    '?%s= is refused with 400',
    async (name) => {
      const path = `/v1/chat/completions?${name}=${openai.secret}`;
      const answer = await callGateway(gateway, path, { secret: openai.secret, body: chatBody() });
      expect(expectPublicRefusal(answer, path, [400])).toBe('INVALID_REQUEST');
      expect(answer.text).toContain(`parameter \\"${name}\\"`);
    },
  );
});

describe('a body that trickles in', () => {
  it('gets 408 once it falls behind the minimum pace, closes the connection and holds no slot', async () => {
    const body = Buffer.from(JSON.stringify(chatBody('slow')));
    const started = Date.now();
    const answer = await new Promise<{ text: string; closed: boolean }>((resolve, reject) => {
      const socket = connect(Number(new URL(gateway.url).port), '127.0.0.1');
      let text = '';
      let sent = 0;
      const timer = setInterval(() => {
        // 10 bytes every 100 ms: 100 B/s, a tenth of the minimum pace.
        if (sent < body.length) socket.write(body.subarray(sent, sent + 10));
        sent += 10;
      }, 100);
      const deadline = setTimeout(() => {
        clearInterval(timer);
        socket.destroy();
        reject(new Error(`no answer within 10 s; got ${text}`));
      }, 10_000);
      socket.on('data', (chunk) => {
        text += chunk.toString('utf8');
      });
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearInterval(timer);
        clearTimeout(deadline);
        resolve({ text, closed: true });
      });
      socket.write(
        [
          'POST /v1/chat/completions HTTP/1.1',
          'Host: 127.0.0.1',
          `Authorization: Bearer ${openai.secret}`,
          'Content-Type: application/json',
          `Content-Length: ${body.length}`,
          '',
          '',
        ].join('\r\n'),
      );
    });
    const elapsed = Date.now() - started;
    expect(answer.text).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer.text).toMatch(/\r\nconnection: close\r\n/i);
    expect(answer.text).toContain('"code":"REQUEST_TIMEOUT"');
    // Refused soon after the grace ran out, well before the body could have finished (~1.3 s).
    expect(elapsed).toBeLessThan(body.length * 10);
    console.log(`[figure] slow body (100 B/s, minimum ${MIN_BYTES_PER_SECOND} B/s): 408 after ${elapsed} ms`);

    // The key allows one request at a time: nothing of the refused request is still held.
    const next = await callGateway(gateway, '/v1/chat/completions', {
      secret: openai.secret,
      body: chatBody(),
    });
    expect(next.status).toBe(200);
  });

  it('a body at the minimum pace is read whole and relayed', async () => {
    const body = Buffer.from(JSON.stringify(chatBody(`steady pace ${'x'.repeat(3_000)}`)));
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${openai.secret}`, 'content-type': 'application/json' },
      duplex: 'half',
      body: new ReadableStream<Uint8Array>({
        async start(controller) {
          // 200 bytes every 100 ms for ~1.5 s: twice the minimum pace, well past the grace.
          for (let at = 0; at < body.length; at += 200) {
            controller.enqueue(body.subarray(at, at + 200));
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
          controller.close();
        },
      }),
    } as RequestInit);
    expect(response.status).toBe(200);
    await response.text();
  });
});
