import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type MockFault, type MockUpstream, startMockUpstream, waitFor } from '../src/index.ts';
import { BEARER, createClient, HELLO_MESSAGES, readUntilError, sseData, X_API_KEY } from './helpers.ts';

let mock: MockUpstream;
const client = createClient();

beforeAll(async () => {
  mock = await startMockUpstream();
});
afterAll(async () => {
  await client.close();
  await mock.close();
});
beforeEach(() => {
  mock.setFault(null);
  mock.resetCounts();
});

const chat = (extra: Record<string, unknown> = {}) => ({
  headers: BEARER,
  body: { model: 'gpt-4o', messages: HELLO_MESSAGES, ...extra },
});
const anthropicMessage = (extra: Record<string, unknown> = {}) => ({
  headers: X_API_KEY,
  body: { model: 'claude', max_tokens: 8, messages: HELLO_MESSAGES, ...extra },
});

describe('status faults', () => {
  const cases = [
    {
      mode: 'status_400',
      status: 400,
      openaiType: 'invalid_request_error',
      anthropicType: 'invalid_request_error',
    },
    {
      mode: 'status_401',
      status: 401,
      openaiType: 'invalid_request_error',
      anthropicType: 'authentication_error',
    },
    { mode: 'status_500', status: 500, openaiType: 'server_error', anthropicType: 'api_error' },
    { mode: 'status_502', status: 502, openaiType: 'server_error', anthropicType: 'api_error' },
    { mode: 'status_503', status: 503, openaiType: 'server_error', anthropicType: 'api_error' },
    { mode: 'status_529', status: 529, openaiType: 'server_error', anthropicType: 'overloaded_error' },
  ] as const;

  for (const c of cases) {
    it(`${c.mode} answers ${c.status} in each provider's envelope`, async () => {
      mock.setFault({ mode: c.mode });
      const openai = await client.json(`${mock.url}/v1/chat/completions`, chat());
      expect(openai.status).toBe(c.status);
      expect(openai.json.error).toMatchObject({ type: c.openaiType, message: expect.any(String) });
      const anthropic = await client.json(`${mock.url}/v1/messages`, anthropicMessage());
      expect(anthropic.status).toBe(c.status);
      expect(anthropic.json).toEqual({
        type: 'error',
        error: { type: c.anthropicType, message: expect.any(String) },
      });
      expect(mock.counts().total).toBe(2);
    });
  }

  it('status_429 sends Retry-After (default 1, configurable) and a rate-limit body', async () => {
    mock.setFault({ mode: 'status_429' });
    const first = await client.json(`${mock.url}/v1/chat/completions`, chat());
    expect(first.status).toBe(429);
    expect(first.headers['retry-after']).toBe('1');
    expect(first.json.error.code).toBe('rate_limit_exceeded');

    mock.setFault({ mode: 'status_429', retryAfterSeconds: 7 });
    const second = await client.json(`${mock.url}/v1/messages`, anthropicMessage());
    expect(second.status).toBe(429);
    expect(second.headers['retry-after']).toBe('7');
    expect(second.json.error.type).toBe('rate_limit_error');
  });

  it('uses a custom message when given', async () => {
    mock.setFault({ mode: 'status_400', message: "'temperature' is out of range" });
    const res = await client.json(`${mock.url}/v1/chat/completions`, chat());
    expect(res.json.error.message).toBe("'temperature' is out of range");
  });
});

describe('fault scope', () => {
  it('times: only the first N requests fail, then the fault clears itself', async () => {
    mock.setFault({ mode: 'status_500', times: 2 });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await client.text(`${mock.url}/v1/chat/completions`, chat())).status);
    expect(statuses).toEqual([500, 500, 200]);
    expect(mock.fault).toBeNull();
  });

  it('paths: only the named routes are affected', async () => {
    mock.setFault({ mode: 'status_503', paths: ['/v1/embeddings'], times: 1 });
    const chatRes = await client.text(`${mock.url}/v1/chat/completions`, chat());
    expect(chatRes.status).toBe(200);
    const emb = await client.text(`${mock.url}/v1/embeddings`, {
      headers: BEARER,
      body: { model: 'e', input: 'x' },
    });
    expect(emb.status).toBe(503);
    expect(mock.fault).toBeNull();
  });

  it('never applies to /healthz', async () => {
    mock.setFault({ mode: 'status_500' });
    expect((await client.text(`${mock.url}/healthz`)).status).toBe(200);
    expect(mock.fault).not.toBeNull();
  });

  it('rejects invalid fault settings', () => {
    expect(() => mock.setFault({ mode: 'status_500', times: 0 })).toThrow(/times/);
    expect(() => mock.setFault({ mode: 'slow_first_byte', delayMs: -1 })).toThrow(/delayMs/);
    expect(() => mock.setFault({ mode: 'status_429', retryAfterSeconds: 1.5 })).toThrow(/retryAfterSeconds/);
  });
});

describe('socket-level faults', () => {
  it('hang: no headers until the client gives up; the mock then holds nothing', async () => {
    mock.setFault({ mode: 'hang' });
    const started = Date.now();
    const error = await client
      .call(`${mock.url}/v1/chat/completions`, { ...chat(), headersTimeout: 150 })
      .catch((e) => e);
    expect(error).toMatchObject({ code: 'UND_ERR_HEADERS_TIMEOUT' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    await waitFor(() => mock.pendingResponses() === 0, { message: 'hung response released' });
  });

  it('hang: close() ends hung requests promptly instead of leaking them', async () => {
    const own = await startMockUpstream();
    own.setFault({ mode: 'hang' });
    const pending = client.call(`${own.url}/v1/chat/completions`, chat()).catch((e) => e);
    await waitFor(() => own.pendingResponses() === 1, { message: 'request is hanging' });
    const started = Date.now();
    await own.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await pending).toMatchObject({ code: 'UND_ERR_SOCKET' });
    expect(own.pendingResponses()).toBe(0);
  });

  it('reset_mid_body: headers and part of the body arrive, then the socket closes', async () => {
    mock.setFault({ mode: 'reset_mid_body', times: 1 });
    const res = await client.call(`${mock.url}/v1/chat/completions`, chat());
    expect(res.statusCode).toBe(200);
    const declared = Number(res.headers['content-length']);
    const { text, error } = await readUntilError(res.body);
    expect(error).toMatchObject({ code: 'UND_ERR_SOCKET' });
    expect(text.startsWith('{"id":"chatcmpl-mock-')).toBe(true);
    expect(Buffer.byteLength(text)).toBeLessThan(declared);
    // The fault was used up: the next request on the same pool succeeds.
    expect((await client.text(`${mock.url}/v1/chat/completions`, chat())).status).toBe(200);
  });

  it('reset_mid_body on a stream request cuts inside the first event', async () => {
    mock.setFault({ mode: 'reset_mid_body', times: 1 });
    const res = await client.call(`${mock.url}/v1/messages`, anthropicMessage({ stream: true }));
    expect(res.statusCode).toBe(200);
    const { text, error } = await readUntilError(res.body);
    expect(error).toBeDefined();
    expect(text.startsWith('event: message_start\ndata: {')).toBe(true);
    expect(text).not.toContain('\n\n');
  });

  it('stream_cut: some SSE events arrive, then the stream ends in an error without [DONE]', async () => {
    mock.setFault({ mode: 'stream_cut' });
    const res = await client.call(`${mock.url}/v1/chat/completions`, chat({ stream: true }));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    const { text, error } = await readUntilError(res.body);
    expect(error).toMatchObject({ code: 'UND_ERR_SOCKET' });
    const data = sseData(text);
    expect(data).toHaveLength(2);
    expect(JSON.parse(data[0] ?? '').object).toBe('chat.completion.chunk');
    expect(text).not.toContain('[DONE]');
  });

  it('stream_cut: afterEvents chooses how many events get through (Anthropic stream never reaches message_stop)', async () => {
    mock.setFault({ mode: 'stream_cut', afterEvents: 4, times: 1 });
    const res = await client.call(`${mock.url}/v1/messages`, anthropicMessage({ stream: true }));
    const { text, error } = await readUntilError(res.body);
    expect(error).toBeDefined();
    expect(sseData(text)).toHaveLength(4);
    expect(text).not.toContain('message_stop');
  });

  it('stream_cut with afterEvents 0 sends only the headers', async () => {
    mock.setFault({ mode: 'stream_cut', afterEvents: 0, times: 1 });
    const res = await client.call(`${mock.url}/v1/responses`, {
      headers: BEARER,
      body: { model: 'gpt-4o', stream: true, input: 'hi' },
    });
    expect(res.statusCode).toBe(200);
    const { text, error } = await readUntilError(res.body);
    expect(error).toMatchObject({ code: 'UND_ERR_SOCKET' });
    expect(text).toBe('');
  });

  it('stream_cut on a non-stream request behaves like reset_mid_body', async () => {
    mock.setFault({ mode: 'stream_cut', times: 1 });
    const res = await client.call(`${mock.url}/v1/chat/completions`, chat());
    const { error } = await readUntilError(res.body);
    expect(error).toMatchObject({ code: 'UND_ERR_SOCKET' });
  });

  it('slow_first_byte: the answer comes after the delay, or the client times out first', async () => {
    mock.setFault({ mode: 'slow_first_byte', delayMs: 150 });
    const started = Date.now();
    const res = await client.json(`${mock.url}/v1/chat/completions`, chat());
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(res.json.choices[0].message.content).toBeTruthy();

    // undici's headersTimeout has ~0.5 s resolution; an abort signal gives up precisely.
    const timedOut = await client
      .call(`${mock.url}/v1/chat/completions`, { ...chat(), signal: AbortSignal.timeout(50) })
      .catch((e) => e);
    expect(timedOut).toMatchObject({ name: 'TimeoutError' });
    await waitFor(() => mock.pendingResponses() === 0, { message: 'delayed response released' });
  });

  it('slow_stream: events arrive over time and a client disconnect releases the response', async () => {
    mock.setFault({ mode: 'slow_stream', intervalMs: 5 });
    const full = await client.text(`${mock.url}/v1/chat/completions`, chat({ stream: true }));
    expect(sseData(full.text).at(-1)).toBe('[DONE]');

    mock.setFault({ mode: 'slow_stream', intervalMs: 1000 });
    const abort = new AbortController();
    const res = await client.call(`${mock.url}/v1/chat/completions`, {
      ...chat({ stream: true }),
      signal: abort.signal,
    });
    expect(res.statusCode).toBe(200);
    const iterator = res.body[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value.toString()).toMatch(/^data: /);
    expect(mock.pendingResponses()).toBe(1);
    abort.abort();
    await waitFor(() => mock.pendingResponses() === 0, { message: 'aborted stream released' });
  });
});

describe('connection refused, latency, status faults on unknown paths', () => {
  it('stop() refuses connections and restart() serves again on the same port', async () => {
    const own = await startMockUpstream();
    const { url, port } = own;
    await own.stop();
    const refused = await client.call(`${url}/healthz`).catch((e) => e);
    expect(refused).toMatchObject({ code: 'ECONNREFUSED' });
    await own.restart();
    expect(own.port).toBe(port);
    expect((await client.text(`${url}/healthz`)).text).toBe('ok');
    await own.close();
    await expect(own.restart()).rejects.toThrow(/closed/);
  });

  it('latencyMs delays every API answer but not /healthz', async () => {
    const slow = await startMockUpstream({ latencyMs: 120 });
    try {
      let started = Date.now();
      const res = await client.text(`${slow.url}/v1/chat/completions`, chat());
      expect(res.status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(110);
      started = Date.now();
      await client.text(`${slow.url}/healthz`);
      expect(Date.now() - started).toBeLessThan(110);
    } finally {
      await slow.close();
    }
  });

  it('a fault set with a fault object type-checks for every mode', () => {
    const all: MockFault[] = [
      { mode: 'status_400' },
      { mode: 'status_401' },
      { mode: 'status_429', retryAfterSeconds: 3 },
      { mode: 'status_500' },
      { mode: 'status_502' },
      { mode: 'status_503' },
      { mode: 'status_529' },
      { mode: 'hang' },
      { mode: 'reset_mid_body' },
      { mode: 'stream_cut', afterEvents: 1 },
      { mode: 'slow_first_byte', delayMs: 10 },
      { mode: 'slow_stream', intervalMs: 10 },
    ];
    for (const f of all) {
      mock.setFault({ ...f, times: 1 });
      expect(mock.fault?.mode).toBe(f.mode);
    }
  });
});
