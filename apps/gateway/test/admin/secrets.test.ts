import { createAdminClient } from '@relay/admin-client';
import { type MockUpstream, startMockUpstream } from '@relay/testkit';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hashApiKey } from '../../src/secrets/index.ts';
import { type AdminHarness, startAdminHarness, TEST_ADMIN_TOKEN } from './admin-harness.ts';

/**
 * No secret leaves the gateway except where the design allows it: a key's plaintext only in the create and
 * rotate answers. Credentials never. Checked on every response body, every log line and every row.
 */
let h: AdminHarness;
let upstream: MockUpstream;
beforeAll(async () => {
  h = await startAdminHarness();
  upstream = await startMockUpstream({ apiKey: 'sk-upstream-GOOD-credential-7f3e9a1c5b' });
});
afterAll(async () => {
  await upstream?.close();
  await h?.close();
});

const TABLES = [
  'users',
  'groups',
  'accounts',
  'account_groups',
  'api_keys',
  'channels',
  'channel_groups',
  'prices',
  'usage_events',
  'subscriptions',
  'audit_events',
  'idempotency_records',
];

it('keeps credentials and key secrets out of responses, logs and the database', async () => {
  const responses: { path: string; body: string }[] = [];
  const client = createAdminClient({
    baseUrl: h.baseUrl,
    token: TEST_ADMIN_TOKEN,
    retries: 0,
    fetch: async (input, init) => {
      const res = await fetch(input, init);
      responses.push({ path: `${init?.method ?? 'GET'} ${String(input)}`, body: await res.clone().text() });
      return res;
    },
  });
  const credentials = [
    upstream.apiKey,
    'sk-ant-api03-BAD-credential-never-shown-4d2c',
    'sk-rotated-NEW-credential-never-shown-8e1f',
  ];

  const user = await client.users.create({ name: 'tenant' });
  const group = await client.groups.create({ name: 'secret-group', platform: 'openai' });
  const good = await client.accounts.create({
    name: 'good',
    platform: 'openai',
    base_url: `${upstream.url}/v1`,
    credential: credentials[0] as string,
    models: ['gpt-4o-mini'],
  });
  const bad = await client.accounts.create(
    {
      name: 'bad',
      platform: 'openai',
      base_url: `${upstream.url}/v1`,
      credential: credentials[1] as string,
      models: ['gpt-4o-mini'],
    },
    { idempotencyKey: 'secret-test-account' },
  );
  await client.accounts.create(
    {
      name: 'bad',
      platform: 'openai',
      base_url: `${upstream.url}/v1`,
      credential: credentials[1] as string,
      models: ['gpt-4o-mini'],
    },
    { idempotencyKey: 'secret-test-account' },
  );
  await client.accounts.update(good.id, { credential: credentials[2] as string });
  await client.accounts.update(good.id, { credential: credentials[0] as string });
  // A rejected body carrying a credential must not echo it in the error.
  await client.raw('POST', '/admin/v1/accounts', {
    body: { name: 'x', platform: 'openai', base_url: 'ftp://nope', credential: credentials[1] },
  });
  await client.accountGroups.create({ account_id: good.id, group_id: group.id });
  await client.accounts.test(good.id);
  await client.accounts.test(bad.id); // 401 upstream: last_error is recorded, without the credential

  const created = await client.apiKeys.create(
    { name: 'k', user_id: user.id, group_id: group.id },
    { idempotencyKey: 'secret-test-key' },
  );
  const replayed = await client.apiKeys.create(
    { name: 'k', user_id: user.id, group_id: group.id },
    { idempotencyKey: 'secret-test-key' },
  );
  const rotated = await client.apiKeys.rotate(created.api_key.id, { grace_seconds: 60 });
  expect(replayed.secret).toBe(created.secret);
  const keySecrets = [created.secret, rotated.secret];

  await client.apiKeys.list();
  await client.apiKeys.get(created.api_key.id);
  await client.accounts.list();
  await client.access({ api_key_id: created.api_key.id });
  await client.auditEvents.listAll();
  await client.raw('GET', '/admin/v1/openapi.json');

  // Responses: credentials nowhere; a key secret only in the create/rotate answers (and their replay).
  const secretAnswers = responses.filter(
    (r) => /\/api-keys(\/[^/]+\/rotate)?$/.test(r.path.split('?')[0] ?? '') && r.path.startsWith('POST'),
  );
  expect(secretAnswers).toHaveLength(3);
  for (const r of responses) {
    for (const c of credentials) expect(r.body, r.path).not.toContain(c);
    if (!secretAnswers.includes(r)) for (const s of keySecrets) expect(r.body, r.path).not.toContain(s);
  }
  expect((await client.accounts.get(bad.id)).last_error).toContain('401');

  // Logs.
  const logs = h.logs.text();
  expect(logs.length).toBeGreaterThan(0);
  for (const s of [...credentials, ...keySecrets]) expect(logs).not.toContain(s);

  // Every row of every table.
  const dump: string[] = [];
  for (const table of TABLES) {
    const result = (await h.database.db.execute(sql.raw(`select * from ${table}`))) as unknown as {
      rows: unknown[];
    };
    dump.push(JSON.stringify(result.rows, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
  }
  const database = dump.join('\n');
  // Audit snapshots are presented resources: no key hash, no credential ciphertext either.
  const audit = dump[TABLES.indexOf('audit_events')] ?? '';
  for (const s of keySecrets) expect(audit).not.toContain(hashApiKey(s));
  expect(audit).not.toMatch(/v1\.[\w-]{16}\.[\w-]{22}\./);
  expect(database).toContain(good.id);
  for (const s of [...credentials, ...keySecrets]) expect(database).not.toContain(s);
});
