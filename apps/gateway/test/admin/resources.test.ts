import type { AdminClient } from '@relay/admin-client';
import { validationDetailsSchema } from '@relay/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdminHarness, apiError, startAdminHarness } from './admin-harness.ts';

let h: AdminHarness;
beforeAll(async () => {
  h = await startAdminHarness();
});
afterAll(async () => h?.close());

let seq = 0;
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++seq}`;

async function group(client: AdminClient, platform: 'openai' | 'anthropic' = 'openai') {
  return client.groups.create({ name: unique('g'), platform });
}
async function account(client: AdminClient, platform: 'openai' | 'anthropic' = 'openai') {
  return client.accounts.create({
    name: unique('a'),
    platform,
    base_url: 'https://upstream.example.test/v1',
    credential: 'sk-test-credential-0000000000',
  });
}

interface Fixture {
  /** Valid create body (dependencies created on the fly). */
  create: (client: AdminClient) => Promise<Record<string, unknown>>;
  /** A valid PATCH and a field it changes. */
  update: Record<string, unknown>;
  changed: [string, unknown];
  /** A create body that breaks the schema. */
  invalid: Record<string, unknown>;
  /** Id-shaped but absent. */
  missingId: string;
}

const FIXTURES: Record<string, Fixture> = {
  users: {
    create: async () => ({ name: 'Ada', email: 'ada@example.test', balance_usd: '12.50' }),
    update: { balance_usd: '3.000001' },
    changed: ['balance_usd', '3.000001'],
    invalid: { name: 'Ada', balance_usd: 12.5 },
    missingId: 'usr_00000000000000000000000000',
  },
  groups: {
    create: async () => ({ name: unique('group'), platform: 'openai', rate_multiplier: '1.5' }),
    update: { rpm_limit: 60 },
    changed: ['rpm_limit', 60],
    invalid: { name: 'x', platform: 'gemini' },
    missingId: 'grp_00000000000000000000000000',
  },
  accounts: {
    create: async () => ({
      name: 'deepseek',
      platform: 'openai',
      base_url: 'https://api.deepseek.example/v1',
      credential: 'sk-abcdefghijklmnop1234',
      models: ['deepseek-chat'],
    }),
    update: { priority: 10 },
    changed: ['priority', 10],
    invalid: { name: 'x', platform: 'openai', base_url: 'ftp://nope', credential: 'k' },
    missingId: 'acc_00000000000000000000000000',
  },
  'api-keys': {
    create: async (client) => {
      const user = await client.users.create({ name: 'owner' });
      const g = await group(client);
      return { name: 'ci', user_id: user.id, group_id: g.id, quota_usd: '5' };
    },
    update: { rpm_limit: 30 },
    changed: ['rpm_limit', 30],
    invalid: { name: 'ci', user_id: 'not-an-id', group_id: 'grp_1' },
    missingId: 'key_00000000000000000000000000',
  },
  channels: {
    create: async () => ({ name: unique('channel'), restrict_models: true }),
    update: { billing_model: 'upstream' },
    changed: ['billing_model', 'upstream'],
    invalid: { name: '' },
    missingId: 'chn_00000000000000000000000000',
  },
  'account-groups': {
    create: async (client) => {
      const [a, g] = await Promise.all([account(client), group(client)]);
      return { account_id: a.id, group_id: g.id, priority: 5 };
    },
    update: { priority: 7 },
    changed: ['priority', 7],
    invalid: { account_id: 'acc_1', group_id: 'grp_1', extra: true },
    missingId: 'agb_00000000000000000000000000',
  },
  'channel-groups': {
    create: async (client) => {
      const c = await client.channels.create({ name: unique('c') });
      const g = await group(client);
      return { channel_id: c.id, group_id: g.id };
    },
    update: { labels: { team: 'core' } },
    changed: ['labels', { team: 'core' }],
    invalid: { channel_id: 'grp_1', group_id: 'grp_1' },
    missingId: 'cgb_00000000000000000000000000',
  },
  prices: {
    create: async () => ({ model: unique('model'), input: '0.27', output: '1.10' }),
    update: { output: '2' },
    changed: ['output', '2'],
    invalid: { model: 'm', input: '-1', output: '1' },
    missingId: 'prc_00000000000000000000000000',
  },
};

type Collection = {
  list(query?: object): Promise<{ items: { id: string }[]; next_cursor: string | null }>;
  get(id: string): Promise<Record<string, unknown> & { id: string; version: number }>;
  create(body: object): Promise<unknown>;
  update(
    id: string,
    patch: object,
    options?: { ifMatch?: number },
  ): Promise<Record<string, unknown> & { version: number }>;
  delete(id: string): Promise<void>;
};
const COLLECTION_NAMES: Record<string, keyof AdminClient> = {
  users: 'users',
  groups: 'groups',
  accounts: 'accounts',
  'api-keys': 'apiKeys',
  channels: 'channels',
  'account-groups': 'accountGroups',
  'channel-groups': 'channelGroups',
  prices: 'prices',
};
const collection = (client: AdminClient, path: string) =>
  client[COLLECTION_NAMES[path] as keyof AdminClient] as unknown as Collection;
/** api-keys answer `{api_key, secret}` on create; every other collection the resource itself. */
const created = (path: string, body: unknown) =>
  (path === 'api-keys' ? (body as { api_key: unknown }).api_key : body) as {
    id: string;
    version: number;
  } & Record<string, unknown>;

describe.each(Object.keys(FIXTURES))('/admin/v1/%s', (path) => {
  const fixture = FIXTURES[path] as Fixture;

  it('creates, reads, lists, updates and deletes', async () => {
    const c = collection(h.client, path);
    const body = await fixture.create(h.client);
    const resource = created(path, await c.create({ ...body, labels: { suite: 'crud', path } }));
    expect(resource).toMatchObject({ version: 1, labels: { suite: 'crud', path } });
    expect(await c.get(resource.id)).toEqual(resource);

    const page = await c.list({ label: [`suite=crud`, `path=${path}`] });
    expect(page.items.map((i) => i.id)).toContain(resource.id);

    const updated = await c.update(resource.id, fixture.update, { ifMatch: 1 });
    expect(updated.version).toBe(2);
    expect(updated[fixture.changed[0]]).toEqual(fixture.changed[1]);

    await c.delete(resource.id);
    expect((await apiError(c.get(resource.id))).code).toBe('NOT_FOUND');
  });

  it('answers 400 VALIDATION_FAILED with details for a bad body', async () => {
    const error = await apiError(collection(h.client, path).create(fixture.invalid));
    expect(error).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    // One shape for validation failures in both apps: {"issues":[{"path","message"}]}.
    const details = validationDetailsSchema.parse(error.details);
    expect(details.issues.length).toBeGreaterThan(0);
  });

  it('answers 401 without a valid admin token', async () => {
    const bad = await apiError(collection(h.badClient, path).list());
    expect(bad).toMatchObject({ status: 401, code: 'INVALID_ADMIN_TOKEN' });
    const res = await fetch(`${h.baseUrl}/admin/v1/${path}`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).error.code).toBe('ADMIN_AUTH_REQUIRED');
  });

  it('answers 404 NOT_FOUND for an absent id on get, update and delete', async () => {
    const c = collection(h.client, path);
    expect(await apiError(c.get(fixture.missingId))).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(await apiError(c.update(fixture.missingId, fixture.update))).toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
    });
    const res = await h.client.raw('DELETE', `/admin/v1/${path}/${fixture.missingId}`);
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: { code: 'NOT_FOUND', request_id: expect.any(String) } });
  });

  it('answers 412 VERSION_MISMATCH for a stale If-Match and leaves the resource unchanged', async () => {
    const c = collection(h.client, path);
    const resource = created(path, await c.create(await fixture.create(h.client)));
    await c.update(resource.id, { labels: { step: 'one' } }, { ifMatch: 1 });
    const stale = await apiError(c.update(resource.id, fixture.update, { ifMatch: 1 }));
    expect(stale).toMatchObject({ status: 412, code: 'VERSION_MISMATCH', details: { current_version: 2 } });
    expect((await c.get(resource.id)).version).toBe(2);
  });
});

describe('listing', () => {
  it('pages with limit and cursor until next_cursor is null', async () => {
    const tag = unique('page');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await h.client.users.create({ name: `u${i}`, labels: { page: tag } })).id);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await h.client.users.list({ label: `page=${tag}`, limit: 2, cursor });
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((u) => u.id));
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(ids);
    expect((await h.client.users.listAll({ label: `page=${tag}` })).map((u) => u.id)).toEqual(ids);
  });

  it('combines label selectors and filters', async () => {
    const tag = unique('sel');
    const a = await h.client.groups.create({
      name: unique('g'),
      platform: 'openai',
      labels: { owner: tag, env: 'prod' },
    });
    await h.client.groups.create({
      name: unique('g'),
      platform: 'anthropic',
      labels: { owner: tag, env: 'prod' },
    });
    await h.client.groups.create({
      name: unique('g'),
      platform: 'openai',
      labels: { owner: tag, env: 'dev' },
    });
    const page = await h.client.groups.list({ label: [`owner=${tag}`, 'env=prod'], platform: 'openai' });
    expect(page.items.map((g) => g.id)).toEqual([a.id]);
  });

  it('lists the accounts bound to a group', async () => {
    const g = await group(h.client);
    const bound = await account(h.client);
    await account(h.client);
    await h.client.accountGroups.create({ account_id: bound.id, group_id: g.id });
    expect((await h.client.accounts.list({ group_id: g.id })).items.map((a) => a.id)).toEqual([bound.id]);
  });

  it('refuses a malformed selector or limit with 400', async () => {
    expect(await apiError(h.client.users.list({ label: 'no-equals-sign' }))).toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    expect(await apiError(h.client.users.list({ limit: 0 }))).toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

describe('resource rules', () => {
  it('refuses a duplicate group name with 409 ALREADY_EXISTS', async () => {
    const name = unique('dup');
    await h.client.groups.create({ name, platform: 'openai' });
    expect(await apiError(h.client.groups.create({ name, platform: 'openai' }))).toMatchObject({
      status: 409,
      code: 'ALREADY_EXISTS',
    });
  });

  it('answers 404 naming the field when a referenced resource is absent', async () => {
    const g = await group(h.client);
    const error = await apiError(
      h.client.accountGroups.create({ account_id: 'acc_00000000000000000000000000', group_id: g.id }),
    );
    expect(error).toMatchObject({ status: 404, code: 'NOT_FOUND', details: { field: 'account_id' } });
  });

  it('defaults auth_style from the platform and shows only the credential fingerprint', async () => {
    const a = await h.client.accounts.create({
      name: 'claude',
      platform: 'anthropic',
      base_url: 'https://api.anthropic.example/v1',
      credential: 'sk-ant-api03-secretsecretsecret-a1b2',
    });
    expect(a).toMatchObject({ auth_style: 'x-api-key', credential_fingerprint: 'sk-…a1b2' });
    expect(a).not.toHaveProperty('credential');
    const rotated = await h.client.accounts.update(a.id, {
      credential: 'sk-ant-api03-othersecretvalue-z9y8',
    });
    expect(rotated.credential_fingerprint).toBe('sk-…z9y8');
  });

  it('keeps money exact as decimal strings', async () => {
    const u = await h.client.users.create({ name: 'm', balance_usd: '0.000001' });
    expect(u.balance_usd).toBe('0.000001');
    const g = await h.client.groups.create({
      name: unique('g'),
      platform: 'openai',
      daily_limit_usd: '100.10',
    });
    expect(g).toMatchObject({ rate_multiplier: '1', daily_limit_usd: '100.1', weekly_limit_usd: null });
    expect(await apiError(h.client.users.create({ name: 'm', balance_usd: '1.0000001' }))).toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    expect(await apiError(h.client.users.create({ name: 'm', balance_usd: '99999999999999' }))).toMatchObject(
      {
        status: 400,
        code: 'VALIDATION_FAILED',
      },
    );
  });

  it('accepts a quoted If-Match and answers an ETag', async () => {
    const u = await h.client.users.create({ name: 'etag' });
    const res = await h.client.raw('PATCH', `/admin/v1/users/${u.id}`, {
      body: { name: 'etag2' },
      headers: { 'if-match': 'W/"1"' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.etag).toBe('"2"');
    const bad = await h.client.raw('PATCH', `/admin/v1/users/${u.id}`, {
      body: {},
      headers: { 'if-match': 'abc' },
    });
    expect(bad.status).toBe(400);
  });
});

describe('request handling', () => {
  it('answers malformed JSON with 400 INVALID_REQUEST in the admin envelope', async () => {
    const res = await fetch(`${h.baseUrl}/admin/v1/users`, {
      method: 'POST',
      headers: { authorization: 'Bearer test-admin-token-0123456789', 'content-type': 'application/json' },
      body: '{"name": ',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: { code: 'INVALID_REQUEST', request_id: expect.any(String) },
    });
  });

  it('answers an unknown admin path with 404 in the admin envelope, after auth', async () => {
    const res = await h.client.raw('GET', '/admin/v1/nope');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect((await fetch(`${h.baseUrl}/admin/v1/nope`)).status).toBe(401);
  });

  it('serves the OpenAPI document generated from the route definitions', async () => {
    const res = await h.client.raw('GET', '/admin/v1/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.body as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toBe('3.1.0');
    for (const path of Object.keys(FIXTURES)) {
      expect(Object.keys(doc.paths[`/admin/v1/${path}`] ?? {}).sort()).toEqual(['get', 'post']);
      expect(Object.keys(doc.paths[`/admin/v1/${path}/{id}`] ?? {}).sort()).toEqual([
        'delete',
        'get',
        'patch',
      ]);
    }
    for (const path of [
      '/admin/v1/capabilities',
      '/admin/v1/access',
      '/admin/v1/usage/events',
      '/admin/v1/usage/summary',
      '/admin/v1/audit-events',
      '/admin/v1/api-keys/{id}/rotate',
      '/admin/v1/accounts/{id}/test',
    ]) {
      expect(doc.paths).toHaveProperty([path]);
    }
  });

  it('reports capabilities without side effects', async () => {
    const before = (await h.client.auditEvents.list({ limit: 1 })).items[0]?.id;
    const caps = await h.client.capabilities();
    expect(caps).toMatchObject({ api_version: 'v1', platforms: ['openai', 'anthropic'] });
    expect(caps.features).toEqual(
      expect.arrayContaining(['idempotency', 'if-match', 'cascade-delete', 'access-report']),
    );
    expect((await h.client.auditEvents.list({ limit: 1 })).items[0]?.id).toBe(before);
    expect(await apiError(h.badClient.capabilities())).toMatchObject({ status: 401 });
  });

  it('notifies a change listener after each successful mutation only', async () => {
    const before = h.changes.length;
    const u = await h.client.users.create({ name: 'notify' });
    await apiError(h.client.users.create({ name: '' }));
    await h.client.users.delete(u.id);
    expect(h.changes.slice(before)).toEqual([
      { method: 'POST', path: '/admin/v1/users' },
      { method: 'DELETE', path: `/admin/v1/users/${u.id}` },
    ]);
  });
});
