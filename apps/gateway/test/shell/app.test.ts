import { readinessSchema } from '@relay/schemas';
import { describe, expect, it } from 'vitest';
import { buildTestApp } from '../support/test-app.ts';

describe('gateway app shell', () => {
  it('answers healthz with ok', async () => {
    const { app } = buildTestApp();
    const res = await app.request('/healthz');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok');
  });

  it('answers /v1/models without a key with 401 API_KEY_REQUIRED in the OpenAI envelope', async () => {
    const { app } = buildTestApp();
    const res = await app.request('/v1/models');
    expect(res.status).toBe(401);
    const body = await res.json();
    expect(body).toEqual({
      error: {
        message: expect.stringContaining('API key'),
        type: 'authentication_error',
        code: 'API_KEY_REQUIRED',
        param: null,
      },
    });
  });

  it('uses the Anthropic envelope on /v1/messages', async () => {
    const { app } = buildTestApp();
    const res = await app.request('/v1/messages', { method: 'POST', body: '{}' });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
  });

  it('refuses a key in the query string with 400 INVALID_REQUEST', async () => {
    const { app } = buildTestApp();
    const res = await app.request('/v1/models?api_key=sk-relay-abc');
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.code).toBe('INVALID_REQUEST');
  });

  it('keeps a sane x-request-id and replaces an unsafe one', async () => {
    const { app, logs } = buildTestApp();
    const kept = await app.request('/healthz', { headers: { 'x-request-id': 'abc-123' } });
    expect(kept.headers.get('x-request-id')).toBe('abc-123');
    const replaced = await app.request('/healthz', { headers: { 'x-request-id': 'bad id\twith spaces' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
    const line = logs.lines.map((l) => JSON.parse(l)).find((l) => l.request_id === 'abc-123');
    expect(line).toMatchObject({ msg: 'request', path: '/healthz', status: 200 });
  });

  it('gives tenant requests a gateway-made id even when the caller sends one', async () => {
    const { app, logs } = buildTestApp();
    const res = await app.request('/v1/models', { headers: { 'x-request-id': 'client-7' } });
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^req_[0-9a-f]{32}$/);
    const line = logs.lines.map((l) => JSON.parse(l)).find((l) => l.request_id === id);
    expect(line).toMatchObject({ caller_request_id: 'client-7', status: 401 });
  });

  it('answers an unknown route with 404 in the surface envelope', async () => {
    const { app } = buildTestApp();
    const ops = await app.request('/nope');
    expect(ops.status).toBe(404);
    expect(((await ops.json()) as any).error).toMatchObject({
      code: 'NOT_FOUND',
      request_id: expect.any(String),
    });
  });

  it('refuses an admin body over the limit with 413 REQUEST_TOO_LARGE', async () => {
    const { app } = buildTestApp();
    const res = await app.request('/admin/v1/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(2 * 1024 * 1024) },
      body: 'x'.repeat(2 * 1024 * 1024),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as any).error.code).toBe('REQUEST_TOO_LARGE');
  });

  it('reports readiness per dependency and 503 when one fails', async () => {
    const { app } = buildTestApp({
      readinessChecks: [
        { name: 'db', check: async () => {} },
        { name: 'redis', check: async () => Promise.reject(new Error('connection refused')) },
      ],
    });
    const res = await app.request('/readyz');
    expect(res.status).toBe(503);
    const body = await res.json();
    // One shape for both apps' /readyz (the manager's test checks the same schema).
    expect(readinessSchema.parse(body)).toEqual({
      status: 'unavailable',
      version: expect.any(String),
      checks: {
        db: { ok: true, detail: 'db answers' },
        redis: { ok: false, detail: 'redis: connection refused' },
      },
    });
  });

  it('exposes request metrics per route pattern', async () => {
    const { app } = buildTestApp();
    await app.request('/v1/models');
    const text = await (await app.request('/metrics')).text();
    expect(text).toContain(
      'relay_gateway_http_requests_total{method="GET",route="/v1/models",status="401"} 1',
    );
    expect(text).toContain('relay_gateway_http_request_duration_seconds_bucket');
  });
});
