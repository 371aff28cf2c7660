import { readinessSchema, validationDetailsSchema } from '@relay/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMIT_BYTES } from '../src/app.ts';
import type { TestManager } from './support/test-services.ts';
import { bearer, readJson, testManager } from './support/test-services.ts';

let m: TestManager;
beforeAll(async () => {
  m = await testManager();
});
afterAll(() => m.close());

const json = { 'content-type': 'application/json' };

describe('ops endpoints', () => {
  it('GET /healthz answers ok without auth', async () => {
    const res = await m.app.request('/healthz');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok');
  });

  it('GET /readyz reports db and pack repository', async () => {
    const res = await m.app.request('/readyz');
    expect(res.status).toBe(200);
    const body = await readJson(res);
    expect(readinessSchema.parse(body)).toMatchObject({
      status: 'ready',
      checks: { db: { ok: true }, pack_repo: { ok: true } },
    });
  });

  it('GET /metrics exposes the sub2api CRM metric names and per-route counters', async () => {
    await m.app.request('/api/hosts', { headers: bearer });
    const res = await m.app.request('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toMatch(/^active_hosts 0$/m);
    expect(text).toMatch(/^active_providers \d+$/m);
    expect(text).toMatch(/^db_connections_active 1$/m);
    expect(text).toContain('relay_manager_http_requests_total{method="GET",route="/api/hosts",status="200"}');
    expect(text).toContain(
      'relay_manager_http_request_duration_seconds_bucket{le="0.001",method="GET",route="/api/hosts"}',
    );
  });
});

describe('request ids', () => {
  it('echoes a sane x-request-id and puts it on every log line of the request', async () => {
    const res = await m.app.request('/api/hosts', {
      headers: { ...bearer, 'x-request-id': 'trace-abc.123:4' },
    });
    expect(res.headers.get('x-request-id')).toBe('trace-abc.123:4');
    const lines = m.logs.filter((line) => line.includes('trace-abc.123:4'));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ request_id: 'trace-abc.123:4' });
  });

  it('replaces an unsafe x-request-id with a generated one, also in the error envelope', async () => {
    const res = await m.app.request('/api/hosts', { headers: { 'x-request-id': 'bad id\twith spaces' } });
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^req_[0-9a-z]{26}$/);
    expect(await readJson(res)).toEqual({
      error: { code: 'AUTH_REQUIRED', message: expect.any(String), request_id: id },
    });
  });
});

describe('bad input never gives a 500', () => {
  it('401 AUTH_REQUIRED without credentials, 401 INVALID_TOKEN with a wrong token', async () => {
    const none = await m.app.request('/api/packs');
    expect(none.status).toBe(401);
    expect((await readJson(none)).error.code).toBe('AUTH_REQUIRED');
    const wrong = await m.app.request('/api/packs', {
      headers: { authorization: 'Bearer wrong-token-0123456789' },
    });
    expect(wrong.status).toBe(401);
    expect((await readJson(wrong)).error.code).toBe('INVALID_TOKEN');
  });

  it('malformed JSON → 400 INVALID_REQUEST', async () => {
    const res = await m.app.request('/api/hosts', {
      method: 'POST',
      headers: { ...bearer, ...json },
      body: '{"name": ',
    });
    expect(res.status).toBe(400);
    expect((await readJson(res)).error).toMatchObject({
      code: 'INVALID_REQUEST',
      message: 'the request body is not valid JSON',
    });
  });

  it('wrong field types → 400 VALIDATION_FAILED naming the fields', async () => {
    const res = await m.app.request('/api/hosts', {
      method: 'POST',
      headers: { ...bearer, ...json },
      body: JSON.stringify({ name: 42, base_url: 'http://127.0.0.1:1' }),
    });
    expect(res.status).toBe(400);
    const body = await readJson(res);
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(validationDetailsSchema.parse(body.error.details).issues.map((i) => i.path)).toEqual([
      'body.name',
      'body.admin_token',
    ]);
  });

  it('a body that is not JSON at all, or none, is refused with 400', async () => {
    for (const init of [
      { headers: { ...bearer, 'content-type': 'text/plain' }, body: 'hello' },
      { headers: bearer },
      { headers: { ...bearer, ...json }, body: '[1,2,3]' },
      { headers: { ...bearer, ...json }, body: 'null' },
    ]) {
      const res = await m.app.request('/api/hosts', { method: 'POST', ...init });
      expect(res.status, JSON.stringify(init)).toBe(400);
      expect(['INVALID_REQUEST', 'VALIDATION_FAILED']).toContain((await readJson(res)).error.code);
    }
  });

  it(`a body over ${BODY_LIMIT_BYTES} bytes → 413 REQUEST_TOO_LARGE`, async () => {
    const res = await m.app.request('/api/hosts', {
      method: 'POST',
      headers: { ...bearer, ...json },
      body: JSON.stringify({ name: 'x'.repeat(BODY_LIMIT_BYTES) }),
    });
    expect(res.status).toBe(413);
    expect((await readJson(res)).error.code).toBe('REQUEST_TOO_LARGE');
  });

  it('an unknown route → 404 in the envelope (after auth), and an invalid id → 400', async () => {
    const unknown = await m.app.request('/api/nothing-here', { headers: bearer });
    expect(unknown.status).toBe(404);
    expect((await readJson(unknown)).error.code).toBe('NOT_FOUND');
    const outside = await m.app.request('/favicon.ico');
    expect(outside.status).toBe(404);
    const badId = await m.app.request('/api/hosts/../../etc', { headers: bearer });
    expect(badId.status).toBe(404);
    const invalidId = await m.app.request('/api/hosts/not-a-host-id', { headers: bearer });
    expect(invalidId.status).toBe(400);
    const missing = await m.app.request('/api/hosts/hst_00000000000000000000000000', { headers: bearer });
    expect(missing.status).toBe(404);
  });

  it('absurd query values → 400', async () => {
    for (const q of ['limit=0', 'limit=501', 'limit=abc', 'limit=1e9']) {
      const res = await m.app.request(`/api/hosts?${q}`, { headers: bearer });
      expect(res.status, q).toBe(400);
    }
  });
});

describe('OpenAPI document', () => {
  it('describes the /api routes with the error envelope', async () => {
    const res = await m.app.request('/api/openapi.json', { headers: bearer });
    expect(res.status).toBe(200);
    const doc = await readJson(res);
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/auth/login',
        '/api/auth/logout',
        '/api/auth/session',
        '/api/audit-events',
        '/api/hosts',
        '/api/hosts/{host_id}',
        '/api/hosts/{host_id}/probe',
        '/api/hosts/{host_id}/status',
        '/api/hosts/{host_id}/smoke',
        '/api/packs',
        '/api/packs/reload',
        '/api/packs/{pack_id}',
        '/api/packs/{pack_id}/providers',
        '/api/providers/{provider_id}',
      ]),
    );
    expect(doc.components.schemas.Error).toBeDefined();
  });
});

describe('audit', () => {
  it('records mutations with actor, action, outcome and request id', async () => {
    const res = await m.app.request('/api/packs/reload', {
      method: 'POST',
      headers: { ...bearer, 'x-request-id': 'audit-me-1' },
    });
    expect(res.status).toBe(200);
    const list = await readJson(
      await m.app.request('/api/audit-events?action=packs.reload&limit=1', { headers: bearer }),
    );
    expect(list.items[0]).toMatchObject({
      actor: 'token:admin',
      action: 'packs.reload',
      outcome: 'success',
      status: 200,
      request_id: 'audit-me-1',
    });
  });
});

describe('bearer guessing', () => {
  it('wrong bearer tokens from one address are throttled with 429 AUTH_THROTTLED and Retry-After', async () => {
    const own = await testManager();
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) {
        const res = await own.app.request('/api/packs', {
          headers: { authorization: `Bearer wrong-token-${i}-0123456789` },
        });
        statuses.push(res.status);
      }
      expect(statuses.filter((status) => status === 401)).toHaveLength(5);
      const throttled = await own.app.request('/api/packs', { headers: bearer });
      expect(throttled.status).toBe(429);
      expect(throttled.headers.get('retry-after')).toMatch(/^\d+$/);
      expect((await readJson(throttled)).error.code).toBe('AUTH_THROTTLED');
    } finally {
      await own.close();
    }
  });
});
