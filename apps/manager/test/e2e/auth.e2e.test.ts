import { startTsxProcess } from '@relay/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/http.ts';
import type { ManagerProcess } from '../support/manager-process.ts';
import { SERVE_ENTRY, startManagerProcess } from '../support/manager-process.ts';

const ADMIN_TOKEN = 'e2e-auth-admin-token-0123456789abcdef';
const PASSWORD = 'e2e correct horse battery staple';

let manager: ManagerProcess;
let api: ApiClient;
beforeAll(async () => {
  manager = await startManagerProcess({
    MANAGER_ADMIN_TOKEN: ADMIN_TOKEN,
    MANAGER_ADMIN_PASSWORD: PASSWORD,
    MANAGER_ADMIN_SESSION_TTL: '2h',
  });
  api = new ApiClient(manager.url);
});
afterAll(() => manager?.dispose());

const bearer = { authorization: `Bearer ${ADMIN_TOKEN}` };

async function login(password = PASSWORD) {
  return api.request('POST', '/api/auth/login', { body: { username: 'admin', password } });
}

function sessionCookie(setCookie: string | null): string {
  expect(setCookie).not.toBeNull();
  return (setCookie ?? '').split(';')[0] ?? '';
}

describe('the real manager process', () => {
  it('answers /healthz and /metrics without auth, and 401 on /api without it', async () => {
    const health = await api.request('GET', '/healthz');
    expect([health.status, health.text]).toEqual([200, 'ok']);
    for (const path of ['/api/hosts', '/api/packs', '/api/audit-events', '/api/openapi.json']) {
      const res = await api.request('GET', path);
      expect(res.status, path).toBe(401);
      expect(res.json.error.code).toBe('AUTH_REQUIRED');
      expect(res.json.error.request_id).toBe(res.headers.get('x-request-id'));
    }
    const write = await api.request('POST', '/api/packs/reload');
    expect(write.status).toBe(401);
    const metrics = await api.request('GET', '/metrics');
    expect(metrics.status).toBe(200);
    for (const name of [
      'active_hosts',
      'active_providers',
      'db_connections_active',
      'process_cpu_user_seconds_total',
    ]) {
      expect(metrics.text).toMatch(new RegExp(`^${name} `, 'm'));
    }
  });

  it('logs in with a signed HttpOnly, SameSite=Strict, Secure cookie that expires after the TTL', async () => {
    const res = await login();
    expect(res.status).toBe(200);
    const setCookie = res.headers.get('set-cookie') ?? '';
    const attributes = setCookie.split(';').map((a) => a.trim());
    expect(attributes[0]).toMatch(/^relay_manager_session=[\w-]{43}\.[\w-]{43}$/);
    expect(attributes).toEqual(
      expect.arrayContaining(['HttpOnly', 'SameSite=Strict', 'Secure', 'Path=/', 'Max-Age=7200']),
    );
    const expires = attributes.find((a) => a.startsWith('Expires='))?.slice('Expires='.length) ?? '';
    expect(Math.abs(Date.parse(expires) - (Date.now() + 7_200_000))).toBeLessThan(60_000);
    expect(Math.abs(Date.parse(res.json.expires_at) - Date.parse(expires))).toBeLessThan(1000);

    const cookie = sessionCookie(res.headers.get('set-cookie'));
    const session = await api.request('GET', '/api/auth/session', { headers: { cookie } });
    expect(session.status).toBe(200);
    expect(session.json).toMatchObject({ authenticated: true, via: 'session', username: 'admin' });
    expect((await api.request('GET', '/api/hosts', { headers: { cookie } })).status).toBe(200);
  });

  it('refuses a cookie-authenticated write from a foreign origin, allows the same origin and bearer scripts', async () => {
    const cookie = sessionCookie((await login()).headers.get('set-cookie'));
    const host = new URL(manager.url).host;

    const foreign = await api.request('POST', '/api/packs/reload', {
      headers: { cookie, origin: 'https://evil.example' },
    });
    expect(foreign.status).toBe(403);
    expect(foreign.json.error.code).toBe('CSRF_REJECTED');
    const crossSite = await api.request('POST', '/api/packs/reload', {
      headers: { cookie, 'sec-fetch-site': 'cross-site' },
    });
    expect(crossSite.status).toBe(403);
    const noOrigin = await api.request('POST', '/api/packs/reload', { headers: { cookie } });
    expect(noOrigin.status).toBe(403);

    const same = await api.request('POST', '/api/packs/reload', {
      headers: { cookie, origin: `http://${host}` },
    });
    expect(same.status).toBe(200);
    const fetchMeta = await api.request('POST', '/api/packs/reload', {
      headers: { cookie, 'sec-fetch-site': 'same-origin' },
    });
    expect(fetchMeta.status).toBe(200);
    const script = await api.request('POST', '/api/packs/reload', {
      headers: { ...bearer, origin: 'https://evil.example' },
    });
    expect(script.status).toBe(200);
    // Reads are not subject to the check.
    expect(
      (await api.request('GET', '/api/packs', { headers: { cookie, origin: 'https://evil.example' } }))
        .status,
    ).toBe(200);

    const audit = await api.request(
      'GET',
      `/api/audit-events?action=${encodeURIComponent('POST /api/packs/reload')}`,
      {
        headers: bearer,
      },
    );
    expect(audit.json.items.filter((e: { outcome: string }) => e.outcome === 'denied')).toHaveLength(3);
  });

  it('logs out: the cookie stops working', async () => {
    const cookie = sessionCookie((await login()).headers.get('set-cookie'));
    const host = new URL(manager.url).host;
    const out = await api.request('POST', '/api/auth/logout', {
      headers: { cookie, origin: `http://${host}` },
    });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(
      /^relay_manager_session=; Path=\/; HttpOnly; SameSite=Strict; Max-Age=0/,
    );
    expect((await api.request('GET', '/api/auth/session', { headers: { cookie } })).status).toBe(401);
  });

  it('throttles repeated failed logins from one address with 429 and Retry-After, and audits each failure', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await login('wrong password');
      expect(res.status).toBe(401);
      expect(res.json.error.code).toBe('INVALID_CREDENTIALS');
    }
    const throttled = await login();
    expect(throttled.status).toBe(429);
    expect(throttled.json.error.code).toBe('LOGIN_THROTTLED');
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(800);
    expect(throttled.headers.get('set-cookie')).toBeNull();
    // Scripts with the bearer token are unaffected.
    expect((await api.request('GET', '/api/hosts', { headers: bearer })).status).toBe(200);

    const audit = await api.request('GET', '/api/audit-events?action=auth.login&limit=100', {
      headers: bearer,
    });
    const outcomes = audit.json.items.map(
      (e: { outcome: string; status: number }) => `${e.outcome}:${e.status}`,
    );
    expect(outcomes.filter((o: string) => o === 'denied:401')).toHaveLength(5);
    expect(outcomes[0]).toBe('denied:429');
    expect(audit.json.items[0]).toMatchObject({
      actor: 'anonymous',
      client_ip: '127.0.0.1',
      details: { username: 'admin' },
    });
  });

  it('never logs the password or the admin token', () => {
    const output = manager.proc.stdout + manager.proc.stderr;
    expect(output).toContain('login failed');
    expect(output).not.toContain(PASSWORD);
    expect(output).not.toContain(ADMIN_TOKEN);
    expect(api.seen.join('\n')).not.toContain(ADMIN_TOKEN);
  });

  it('stops gracefully on SIGTERM', async () => {
    const exit = await manager.proc.stop('SIGTERM', 10_000);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(manager.proc.stdout).toContain('"msg":"stopped"');
  });
});

describe('production refusal', () => {
  it('exits non-zero naming the missing settings', async () => {
    const proc = await startTsxProcess(SERVE_ENTRY, {
      NODE_ENV: 'production',
      MANAGER_ADMIN_TOKEN: undefined,
      SUB2API_CRM_ADMIN_TOKEN: undefined,
      MANAGER_SECRET_KEY: undefined,
      MANAGER_LISTEN_ADDR: '127.0.0.1:0',
    });
    const exit = await proc.exited;
    expect(exit.code).toBe(1);
    expect(proc.stderr).toContain(
      'MANAGER_ADMIN_TOKEN (or SUB2API_CRM_ADMIN_TOKEN) is required when NODE_ENV=production',
    );
    expect(proc.stderr).toContain('MANAGER_SECRET_KEY is required when NODE_ENV=production');
  });
});
