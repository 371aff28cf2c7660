import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { afterEach, describe, expect, it } from 'vitest';
import { type AppDeps, createApp, createRequestListener } from '../../src/app.ts';
import { PublicError } from '../../src/errors.ts';
import { Drain } from '../../src/http/drain.ts';
import { FailureThrottle } from '../../src/http/failure-throttle.ts';
import type { PublicRouteDeps } from '../../src/public/routes.ts';
import type { Endpoint } from '../../src/upstream/endpoints.ts';
import { buildTestApp } from '../support/test-app.ts';

/**
 * The relayed tenant routes as a client sees them through the listener serve.ts uses (the fast path
 * before the app), against a stand-in relay; and the same requests through the app alone, which must
 * answer alike.
 */

type RelayCall = { endpoint: string; secret: string; requestId: string; body: string };
type RelayBehaviour = (call: RelayCall, outgoing: ServerResponse) => Promise<number>;

/** A relay that reads the body and answers 200 with what it was given, or does what a test says. */
function standInRelay(behaviour?: RelayBehaviour) {
  const calls: RelayCall[] = [];
  const relay = {
    async handle(
      endpoint: Endpoint,
      secret: string,
      incoming: IncomingMessage,
      outgoing: ServerResponse,
      requestId: string,
    ) {
      const chunks: Buffer[] = [];
      for await (const chunk of incoming) chunks.push(chunk as Buffer);
      const call = { endpoint: endpoint.path, secret, requestId, body: Buffer.concat(chunks).toString() };
      calls.push(call);
      if (behaviour) return { status: await behaviour(call, outgoing), attempts: 1 };
      const answer = JSON.stringify({ relayed: call.endpoint, secret });
      outgoing.writeHead(200, { 'content-type': 'application/json', 'x-request-id': requestId });
      outgoing.end(answer);
      return { status: 200, attempts: 1 };
    },
  };
  return { relay, calls };
}

function tenantsWith(
  relay: ReturnType<typeof standInRelay>['relay'],
  options: { known?: string[]; keyThrottle?: FailureThrottle } = {},
): PublicRouteDeps {
  const directory = { knows: (secret: string) => options.known?.includes(secret) ?? false };
  return { relay, directory, keyThrottle: options.keyThrottle } as unknown as PublicRouteDeps;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function listen(listener: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(listener);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function gateway(overrides: Partial<AppDeps> = {}, logLevel = 'info') {
  const built = buildTestApp(overrides);
  built.deps.logger.level = logLevel;
  const url = await listen(createRequestListener(built.deps));
  return { ...built, url };
}

type Answer = { status: number; headers: Record<string, string | string[] | undefined>; body: string };

/** A raw HTTP request (headers as a flat list, so a test can repeat one; Host is added). */
function send(
  url: string,
  path: string,
  options: { method?: string; headers?: string[]; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      { method: options.method ?? 'POST', headers: ['host', new URL(url).host, ...(options.headers ?? [])] },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.method === 'GET' ? undefined : (options.body ?? '{"model":"m"}'));
  });
}

const GATEWAY_ID = /^req_[0-9a-f]{32}$/;

async function metricsOf(deps: AppDeps): Promise<string> {
  return deps.metrics.registry.metrics();
}

describe('relayed tenant routes through the request listener', () => {
  it('hands the relay the key, the body and a gateway-made id, and logs the caller id beside it', async () => {
    const { relay, calls } = standInRelay();
    const { url, deps, logs } = await gateway({ tenants: tenantsWith(relay) });
    const res = await send(url, '/v1/chat/completions', {
      headers: ['authorization', 'Bearer sk-relay-one', 'x-request-id', 'client-7'],
      body: '{"model":"gpt"}',
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ relayed: '/v1/chat/completions', secret: 'sk-relay-one' });
    expect(res.headers['x-request-id']).toMatch(GATEWAY_ID);
    expect(calls).toEqual([
      {
        endpoint: '/v1/chat/completions',
        secret: 'sk-relay-one',
        requestId: res.headers['x-request-id'],
        body: '{"model":"gpt"}',
      },
    ]);
    const line = logs.lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'request');
    expect(line).toMatchObject({
      request_id: res.headers['x-request-id'],
      caller_request_id: 'client-7',
      method: 'POST',
      path: '/v1/chat/completions',
      route: '/v1/chat/completions',
      status: 200,
    });
    expect(await metricsOf(deps)).toContain(
      'relay_gateway_http_requests_total{method="POST",route="/v1/chat/completions",status="200"} 1',
    );
  });

  it('serves all five relayed routes, with x-api-key too', async () => {
    const { relay, calls } = standInRelay();
    const { url } = await gateway({ tenants: tenantsWith(relay) });
    const paths = [
      '/v1/chat/completions',
      '/v1/embeddings',
      '/v1/responses',
      '/v1/messages',
      '/v1/messages/count_tokens',
    ];
    for (const path of paths) {
      const res = await send(url, `${path}?beta=true`, { headers: ['X-Api-Key', 'sk-relay-two'] });
      expect(res.status).toBe(200);
    }
    expect(calls.map((call) => [call.endpoint, call.secret])).toEqual(
      paths.map((path) => [path, 'sk-relay-two']),
    );
  });

  it('answers key errors in the surface envelope with a request id, and counts them', async () => {
    const { url, deps } = await gateway();
    const missing = await send(url, '/v1/messages');
    expect(missing.status).toBe(401);
    expect(missing.headers['x-request-id']).toMatch(GATEWAY_ID);
    expect(JSON.parse(missing.body)).toMatchObject({
      type: 'error',
      error: { type: 'authentication_error', code: 'API_KEY_REQUIRED' },
    });
    const inQuery = await send(url, '/v1/chat/completions?x=1&API_Key=sk-relay-abc', {
      headers: ['authorization', 'Bearer sk-relay-abc'],
    });
    expect(inQuery.status).toBe(400);
    expect(JSON.parse(inQuery.body).error).toMatchObject({ code: 'INVALID_REQUEST', param: 'API_Key' });
    // No tenant store: every key is unknown.
    const unknown = await send(url, '/v1/embeddings', { headers: ['authorization', 'Bearer sk-nobody'] });
    expect(unknown.status).toBe(401);
    expect(JSON.parse(unknown.body).error.code).toBe('INVALID_API_KEY');
    const text = await metricsOf(deps);
    expect(text).toContain('relay_gateway_public_errors_total{code="API_KEY_REQUIRED"} 1');
    expect(text).toContain('relay_gateway_public_errors_total{code="INVALID_REQUEST"} 1');
    expect(text).toContain('relay_gateway_public_errors_total{code="INVALID_API_KEY"} 1');
    expect(text).toContain(
      'relay_gateway_http_requests_total{method="POST",route="/v1/messages",status="401"} 1',
    );
  });

  it('throttles an address that keeps presenting unknown keys, but not a key already known', async () => {
    const { relay } = standInRelay(async (call, outgoing) => {
      if (call.secret !== 'sk-known') throw new PublicError('INVALID_API_KEY', 'Incorrect API key provided.');
      outgoing.writeHead(200).end();
      return 200;
    });
    const keyThrottle = new FailureThrottle({ maxFailures: 2, windowMs: 60_000 });
    const { url } = await gateway({ tenants: tenantsWith(relay, { known: ['sk-known'], keyThrottle }) });
    const guess = (key: string) =>
      send(url, '/v1/chat/completions', { headers: ['authorization', `Bearer ${key}`] });
    expect((await guess('sk-guess-1')).status).toBe(401);
    expect((await guess('sk-guess-2')).status).toBe(401);
    const throttled = await guess('sk-guess-3');
    expect(throttled.status).toBe(429);
    expect(JSON.parse(throttled.body).error.code).toBe('AUTH_THROTTLED');
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
    expect(throttled.headers['x-request-id']).toMatch(GATEWAY_ID);
    expect((await guess('sk-known')).status).toBe(200);
  });

  it('answers 500 INTERNAL_ERROR and logs an unexpected failure with the request id', async () => {
    const { relay } = standInRelay(async () => {
      throw new Error('relay bug');
    });
    const { url, logs } = await gateway({ tenants: tenantsWith(relay) });
    const res = await send(url, '/v1/responses', { headers: ['authorization', 'Bearer sk-a'] });
    expect(res.status).toBe(500);
    expect(JSON.parse(res.body).error.code).toBe('INTERNAL_ERROR');
    const line = logs.lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'unhandled error');
    expect(line).toMatchObject({ request_id: res.headers['x-request-id'], err: { message: 'relay bug' } });
  });

  it('writes no access-log line below info level', async () => {
    const { relay } = standInRelay();
    const { url, logs } = await gateway({ tenants: tenantsWith(relay) }, 'warn');
    expect(
      (await send(url, '/v1/chat/completions', { headers: ['authorization', 'Bearer sk-a'] })).status,
    ).toBe(200);
    expect(logs.lines).toEqual([]);
  });

  it('refuses while draining with 503 and Connection: close, and drain waits for a relay in flight', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { relay, calls } = standInRelay(async (_call, outgoing) => {
      await held;
      outgoing.writeHead(200, { 'content-type': 'text/plain' }).end('late');
      return 200;
    });
    const drain = new Drain();
    const { url, deps } = await gateway({ tenants: tenantsWith(relay), drain });
    const inFlight = send(url, '/v1/chat/completions', { headers: ['authorization', 'Bearer sk-a'] });
    const deadline = Date.now() + 5_000;
    while (calls.length === 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 5));
    expect(drain.inFlightCount).toBe(1);
    drain.begin();
    let idle = false;
    const waiting = drain.idle().then(() => {
      idle = true;
    });
    const refused = await send(url, '/v1/messages', { headers: ['authorization', 'Bearer sk-a'] });
    expect(refused.status).toBe(503);
    expect(refused.headers.connection).toBe('close');
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.headers['x-request-id']).toMatch(GATEWAY_ID);
    expect(JSON.parse(refused.body)).toMatchObject({ type: 'error', error: { code: 'SERVICE_UNAVAILABLE' } });
    expect(idle).toBe(false);
    release();
    expect((await inFlight).body).toBe('late');
    await waiting;
    expect(drain.inFlightCount).toBe(0);
    expect(await metricsOf(deps)).toContain(
      'relay_gateway_http_requests_total{method="POST",route="/*",status="503"} 1',
    );
  });

  it('answers before reading a body, then closes the connection if the body never ends', async () => {
    const { url } = await gateway();
    const { hostname, port } = new URL(url);
    const socket = connect(Number(port), hostname);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString();
    });
    socket.write(
      `POST /v1/chat/completions HTTP/1.1\r\nHost: ${hostname}\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{"a"\r\n`,
    );
    const started = Date.now();
    await closed;
    expect(received).toMatch(/^HTTP\/1\.1 401 /);
    expect(received).toContain('API_KEY_REQUIRED');
    // Cut after the 500 ms bound, not held open until the server's request timeout.
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('leaves every other request to the app', async () => {
    const { relay, calls } = standInRelay();
    const { url } = await gateway({ tenants: tenantsWith(relay) });
    expect((await send(url, '/healthz', { method: 'GET' })).body).toBe('ok');
    const wrongMethod = await send(url, '/v1/chat/completions', { method: 'PUT' });
    expect(wrongMethod.status).toBe(401);
    expect(JSON.parse(wrongMethod.body).error.code).toBe('API_KEY_REQUIRED');
    const unknown = await send(url, '/v1/chat/completions/', { headers: ['authorization', 'Bearer sk-a'] });
    expect(unknown.status).toBe(404);
    // The app decodes the path, then relays it like the fast path would.
    const encoded = await send(url, '/v1/chat/%63ompletions', { headers: ['authorization', 'Bearer sk-a'] });
    expect(encoded.status).toBe(200);
    expect(calls.map((call) => call.endpoint)).toEqual(['/v1/chat/completions']);
  });
});

describe('the fast path and the app answer alike', () => {
  const cases: { name: string; path: string; headers: string[] }[] = [
    { name: 'no key', path: '/v1/chat/completions', headers: [] },
    { name: 'no key, Anthropic', path: '/v1/messages/count_tokens', headers: [] },
    { name: 'key in the query', path: '/v1/responses?TOKEN=abc', headers: ['authorization', 'Bearer sk-a'] },
    { name: 'encoded key name', path: '/v1/embeddings?api%5Fkey=abc', headers: ['x-api-key', 'sk-a'] },
    { name: 'unknown key', path: '/v1/chat/completions', headers: ['authorization', 'Bearer sk-a'] },
    {
      name: 'two Authorization headers',
      path: '/v1/chat/completions',
      headers: ['authorization', 'Bearer sk-a', 'authorization', 'Bearer sk-b'],
    },
    { name: 'not a bearer', path: '/v1/messages', headers: ['authorization', 'Basic abc'] },
    { name: 'fragment', path: '/v1/chat/completions?a=1#key=2', headers: [] },
  ];

  it.each(cases)('$name', async ({ path, headers }) => {
    const { deps } = buildTestApp();
    const fast = await listen(createRequestListener(deps));
    const viaApp = await listen(getRequestListener(createApp(deps).fetch));
    const seen = async (url: string) => {
      const res = await send(url, path, { headers });
      const { date: _date, 'x-request-id': id, ...rest } = res.headers;
      expect(id).toMatch(GATEWAY_ID);
      return { status: res.status, headers: rest, body: res.body };
    };
    expect(await seen(fast)).toEqual(await seen(viaApp));
  });
});
