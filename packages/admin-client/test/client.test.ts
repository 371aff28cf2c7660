import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AdminApiError,
  type AdminClient,
  AdminNetworkError,
  AdminProtocolError,
  createAdminClient,
} from '../src/index.ts';

/** What the fake gateway saw. */
interface Seen {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  body: unknown;
}
type Reply = { status: number; body?: unknown; headers?: Record<string, string> } | 'hang';
type Handler = (req: Seen, n: number) => Reply;

/** A tiny node:http stand-in for the gateway admin API, scripted per test. */
class FakeGateway {
  readonly seen: Seen[] = [];
  handler: Handler = () => ({ status: 404, body: envelope('NOT_FOUND', 'no route') });
  private server: Server = createServer((req, res) => this.handle(req, res));
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const seen: Seen = {
        method: req.method ?? '',
        url: new URL(req.url ?? '/', 'http://fake'),
        headers: req.headers,
        body: text ? JSON.parse(text) : undefined,
      };
      this.seen.push(seen);
      const reply = this.handler(seen, this.seen.length);
      if (reply === 'hang') return;
      const headers = { 'x-request-id': 'req_fake', ...reply.headers };
      if (reply.body === undefined) {
        res.writeHead(reply.status, headers).end();
      } else if (typeof reply.body === 'string') {
        res.writeHead(reply.status, { 'content-type': 'text/plain', ...headers }).end(reply.body);
      } else {
        res.writeHead(reply.status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(reply.body));
      }
    });
  }
}

function envelope(code: string, message: string, details?: unknown) {
  return { error: { code, message, request_id: 'req_123', ...(details === undefined ? {} : { details }) } };
}

const now = '2025-01-02T03:04:05.678Z';
const base = (id: string) => ({ id, created_at: now, updated_at: now, version: 1, labels: {} });
const user = (id = 'usr_1') => ({
  ...base(id),
  name: 'acme',
  email: null,
  status: 'active',
  balance_usd: '10.5',
  concurrency_limit: 10,
  rpm_limit: 0,
});
const apiKey = {
  ...base('key_1'),
  user_id: 'usr_1',
  group_id: 'grp_1',
  name: 'ci',
  key_prefix: 'sk-relay-ab12',
  status: 'active',
  expires_at: null,
  quota_usd: null,
  quota_used_usd: '0',
  rpm_limit: 0,
  tpm_limit: 0,
  concurrency_limit: 0,
  allowed_models: null,
  ip_allow: [],
  ip_deny: [],
  last_used_at: null,
  rotated_from: null,
  grace_until: null,
};
const account = {
  ...base('acc_1'),
  name: 'deepseek',
  platform: 'openai',
  base_url: 'https://api.deepseek.com/v1',
  credential_fingerprint: 'sk-…a1b2',
  auth_style: 'bearer',
  models: [],
  model_mapping: {},
  protocols: {},
  concurrency: 3,
  priority: 50,
  weight: 1,
  status: 'active',
  schedulable: true,
  cooldown_until: null,
  cooldown_reason: null,
  last_error: null,
  last_used_at: null,
};

let gw: FakeGateway;
let client: AdminClient;

beforeEach(async () => {
  gw = new FakeGateway();
  await gw.start();
  client = createAdminClient({ baseUrl: gw.url, token: 'admin-secret', retryBaseMs: 1 });
});
afterEach(async () => {
  await gw.stop();
});

describe('requests', () => {
  it('builds URLs under /admin/v1 from a base URL with a path prefix, with auth and user agent', async () => {
    gw.handler = () => ({ status: 200, body: user() });
    const c = createAdminClient({ baseUrl: `${gw.url}/gw/`, token: 't0k', userAgent: 'ops-script/1' });
    const got = await c.users.get('usr_a/b');
    expect(got.name).toBe('acme');
    const seen = gw.seen[0];
    expect(seen?.method).toBe('GET');
    expect(seen?.url.pathname).toBe('/gw/admin/v1/users/usr_a%2Fb');
    expect(seen?.headers.authorization).toBe('Bearer t0k');
    expect(seen?.headers['user-agent']).toBe('ops-script/1');
  });

  it('encodes label selectors as repeated parameters, and filters/booleans as strings', async () => {
    gw.handler = () => ({ status: 200, body: { items: [], next_cursor: null } });
    await client.accounts.list({
      label: ['relay.manager/managed-by=relay-manager', 'relay.manager/key=a=b c&d'],
      limit: 10,
      group_id: 'grp_1',
      schedulable: false,
    });
    const q = gw.seen[0]?.url.searchParams;
    expect(gw.seen[0]?.url.pathname).toBe('/admin/v1/accounts');
    expect(q?.getAll('label')).toEqual([
      'relay.manager/managed-by=relay-manager',
      'relay.manager/key=a=b c&d',
    ]);
    expect(q?.get('limit')).toBe('10');
    expect(q?.get('group_id')).toBe('grp_1');
    expect(q?.get('schedulable')).toBe('false');
    expect(q?.has('cursor')).toBe(false);
  });

  it('sends Idempotency-Key on create and reports a replayed answer', async () => {
    gw.handler = (_req, n) => ({
      status: 201,
      body: user(),
      headers: n === 2 ? { 'idempotency-replayed': 'true' } : { 'idempotency-replayed': 'false' },
    });
    const created = await client.users.create({ name: 'acme' }, { idempotencyKey: 'bat_1:user:acme' });
    expect(created.id).toBe('usr_1');
    const again = await client.users.createWithMeta({ name: 'acme' }, { idempotencyKey: 'bat_1:user:acme' });
    expect(again).toMatchObject({ replayed: true, status: 201, resource: { id: 'usr_1' } });
    expect(gw.seen[0]?.method).toBe('POST');
    expect(gw.seen[0]?.headers['idempotency-key']).toBe('bat_1:user:acme');
    expect(gw.seen[0]?.headers['content-type']).toBe('application/json');
    expect(gw.seen[0]?.body).toEqual({ name: 'acme' });
  });

  it('sends If-Match on update and cascade on delete', async () => {
    gw.handler = (req) => (req.method === 'PATCH' ? { status: 200, body: account } : { status: 204 });
    await client.accounts.update('acc_1', { priority: 10 }, { ifMatch: 3 });
    await expect(client.groups.delete('grp_1', { cascade: true })).resolves.toBeUndefined();
    expect(gw.seen[0]).toMatchObject({ method: 'PATCH', body: { priority: 10 } });
    expect(gw.seen[0]?.headers['if-match']).toBe('3');
    expect(gw.seen[1]?.method).toBe('DELETE');
    expect(`${gw.seen[1]?.url.pathname}${gw.seen[1]?.url.search}`).toBe(
      '/admin/v1/groups/grp_1?cascade=true',
    );
  });

  it('api keys: create returns the secret once, rotate and revoke hit their actions', async () => {
    gw.handler = (req) =>
      req.url.pathname.endsWith('/revoke')
        ? { status: 200, body: { ...apiKey, status: 'revoked' } }
        : {
            status: req.url.pathname.endsWith('/rotate') ? 200 : 201,
            body: { api_key: apiKey, secret: 'sk-relay-s3cr3t' },
          };
    const created = await client.apiKeys.create({ user_id: 'usr_1', group_id: 'grp_1', name: 'ci' });
    expect(created.secret).toBe('sk-relay-s3cr3t');
    expect(created.api_key.key_prefix).toBe('sk-relay-ab12');
    const rotated = await client.apiKeys.rotate('key_1', { grace_seconds: 3600 });
    expect(rotated.api_key.id).toBe('key_1');
    expect((await client.apiKeys.revoke('key_1')).status).toBe('revoked');
    expect(gw.seen.map((s) => `${s.method} ${s.url.pathname}`)).toEqual([
      'POST /admin/v1/api-keys',
      'POST /admin/v1/api-keys/key_1/rotate',
      'POST /admin/v1/api-keys/key_1/revoke',
    ]);
    expect(gw.seen[1]?.body).toEqual({ grace_seconds: 3600 });
  });

  it('accounts: test and clear-cooldown', async () => {
    gw.handler = (req) =>
      req.url.pathname.endsWith('/test')
        ? {
            status: 200,
            body: { ok: false, latency_ms: 12, status: 401, model: 'deepseek-chat', error: 'bad key' },
          }
        : { status: 200, body: account };
    const result = await client.accounts.test('acc_1');
    expect(result).toEqual({
      ok: false,
      latency_ms: 12,
      status: 401,
      model: 'deepseek-chat',
      error: 'bad key',
    });
    await client.accounts.clearCooldown('acc_1');
    expect(gw.seen.map((s) => s.url.pathname)).toEqual([
      '/admin/v1/accounts/acc_1/test',
      '/admin/v1/accounts/acc_1/clear-cooldown',
    ]);
  });

  it('access, usage, audit, capabilities, health and raw', async () => {
    gw.handler = (req) => {
      switch (req.url.pathname) {
        case '/admin/v1/access':
          return {
            status: 200,
            body: { ok: false, reason: 'GROUP_HAS_NO_ACCOUNTS', group_id: 'grp_3', extra: 1 },
          };
        case '/admin/v1/usage/summary':
          return { status: 200, body: { items: [] } };
        case '/admin/v1/usage/events':
        case '/admin/v1/audit-events':
          return { status: 200, body: { items: [], next_cursor: null } };
        case '/admin/v1/capabilities':
          return {
            status: 200,
            body: { version: '0.1.0', api_version: 'v1', platforms: ['openai'], features: [] },
          };
        case '/healthz':
          return { status: 200, body: 'ok' };
        case '/readyz':
          return { status: 503, body: { db: 'down' } };
        default:
          return { status: 200, body: { openapi: '3.1.0' } };
      }
    };
    const report = await client.access({ group_id: 'grp_3' }, 'deepseek-chat');
    expect(report).toMatchObject({ ok: false, reason: 'GROUP_HAS_NO_ACCOUNTS', extra: 1 });
    expect(gw.seen[0]?.url.search).toBe('?group_id=grp_3&model=deepseek-chat');
    await client.usage.summary({ group_by: 'day', since: now });
    expect(gw.seen[1]?.url.searchParams.get('group_by')).toBe('day');
    await client.usage.events({ request_id: 'req_9' });
    await client.auditEvents.list({ resource_type: 'accounts' });
    expect((await client.capabilities()).api_version).toBe('v1');
    expect(await client.healthz()).toBe('ok');
    expect(await client.readyz()).toEqual({ status: 503, body: { db: 'down' } });
    const raw = await client.raw('GET', '/admin/v1/openapi.json');
    expect(raw).toMatchObject({ status: 200, body: { openapi: '3.1.0' } });
    expect(raw.headers['x-request-id']).toBe('req_fake');
    // readyz reports a 503 instead of retrying it away.
    expect(gw.seen.filter((s) => s.url.pathname === '/readyz')).toHaveLength(1);
  });
});

describe('errors and retries', () => {
  it('turns the error envelope into AdminApiError without retrying a 4xx', async () => {
    gw.handler = () => ({
      status: 409,
      body: envelope('HAS_BINDINGS', 'group has 2 bindings', { bindings: 2 }),
    });
    const err = await client.groups.delete('grp_1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AdminApiError);
    expect(err).toMatchObject({
      status: 409,
      code: 'HAS_BINDINGS',
      message: 'group has 2 bindings',
      requestId: 'req_123',
      details: { bindings: 2 },
      path: '/admin/v1/groups/grp_1',
    });
    expect(gw.seen).toHaveLength(1);
  });

  it('retries a 503 then succeeds', async () => {
    gw.handler = (_req, n) =>
      n < 3
        ? { status: 503, body: envelope('SERVICE_UNAVAILABLE', 'db down') }
        : { status: 200, body: user() };
    await expect(client.users.get('usr_1')).resolves.toMatchObject({ id: 'usr_1' });
    expect(gw.seen).toHaveLength(3);
  });

  it('gives up after the configured retries with the last error', async () => {
    gw.handler = () => ({ status: 502, body: '<html>bad gateway</html>' });
    const err = await client.users.get('usr_1').catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 502, code: 'HTTP_ERROR', requestId: 'req_fake' });
    expect(gw.seen).toHaveLength(3);
  });

  it('never retries a POST without an Idempotency-Key, and does with one', async () => {
    gw.handler = () => ({ status: 503, body: envelope('SERVICE_UNAVAILABLE', 'busy') });
    await expect(client.users.create({ name: 'acme' })).rejects.toMatchObject({ status: 503 });
    expect(gw.seen).toHaveLength(1);
    await expect(client.users.create({ name: 'acme' }, { idempotencyKey: 'k1' })).rejects.toBeInstanceOf(
      AdminApiError,
    );
    expect(gw.seen).toHaveLength(4);
    expect(gw.seen.slice(1).every((s) => s.headers['idempotency-key'] === 'k1')).toBe(true);
  });

  it('treats a 404 on a retried DELETE as already deleted', async () => {
    gw.handler = (_req, n) =>
      n === 1
        ? { status: 503, body: envelope('SERVICE_UNAVAILABLE', 'x') }
        : { status: 404, body: envelope('NOT_FOUND', 'gone') };
    await expect(client.prices.delete('prc_1')).resolves.toBeUndefined();
    expect(gw.seen).toHaveLength(2);
  });

  it('times out with AdminNetworkError', async () => {
    gw.handler = () => 'hang';
    const c = createAdminClient({ baseUrl: gw.url, token: 't', timeoutMs: 100, retries: 1, retryBaseMs: 1 });
    const err = await c.users.get('usr_1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AdminNetworkError);
    expect(err).toMatchObject({ timedOut: true, method: 'GET', path: '/admin/v1/users/usr_1' });
    expect(gw.seen).toHaveLength(2);
  });

  it('reports a refused connection as AdminNetworkError keeping the cause', async () => {
    const closedUrl = gw.url;
    await gw.stop();
    const c = createAdminClient({ baseUrl: closedUrl, token: 't', retries: 0 });
    const err = await c.capabilities().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AdminNetworkError);
    expect((err as AdminNetworkError).timedOut).toBe(false);
    expect((err as AdminNetworkError).cause).toBeInstanceOf(Error);
    gw = new FakeGateway();
    await gw.start();
  });

  it('rejects a body that does not match the schema with AdminProtocolError naming the path', async () => {
    gw.handler = () => ({ status: 200, body: { ...user(), balance_usd: 10.5 } });
    const err = await client.users.get('usr_1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AdminProtocolError);
    expect((err as Error).message).toContain('GET /admin/v1/users/usr_1');
    expect((err as Error).message).toContain('balance_usd');
  });

  it('rejects a non-JSON success body with AdminProtocolError', async () => {
    gw.handler = () => ({ status: 200, body: 'hello' });
    await expect(client.capabilities()).rejects.toBeInstanceOf(AdminProtocolError);
  });
});

describe('listAll', () => {
  it('follows cursors until next_cursor is null', async () => {
    gw.handler = (req) => {
      const cursor = req.url.searchParams.get('cursor');
      if (cursor === null)
        return { status: 200, body: { items: [user('usr_1'), user('usr_2')], next_cursor: 'c1' } };
      if (cursor === 'c1') return { status: 200, body: { items: [user('usr_3')], next_cursor: 'c2' } };
      return { status: 200, body: { items: [user('usr_4')], next_cursor: null } };
    };
    const all = await client.users.listAll({ label: 'relay.manager/managed-by=relay-manager' });
    expect(all.map((u) => u.id)).toEqual(['usr_1', 'usr_2', 'usr_3', 'usr_4']);
    expect(gw.seen.map((s) => s.url.searchParams.get('cursor'))).toEqual([null, 'c1', 'c2']);
    expect(gw.seen.every((s) => s.url.searchParams.get('limit') === '500')).toBe(true);
    expect(
      gw.seen.every((s) => s.url.searchParams.get('label') === 'relay.manager/managed-by=relay-manager'),
    ).toBe(true);
  });

  it('stops on a repeated cursor instead of looping forever', async () => {
    gw.handler = () => ({ status: 200, body: { items: [], next_cursor: 'same' } });
    await expect(client.users.listAll()).rejects.toBeInstanceOf(AdminProtocolError);
    expect(gw.seen).toHaveLength(2);
  });
});
