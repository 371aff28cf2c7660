import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdminHarness, apiError, startAdminHarness, TEST_ADMIN_TOKEN } from './admin-harness.ts';

let h: AdminHarness;
beforeAll(async () => {
  h = await startAdminHarness();
});
afterAll(async () => h?.close());

let seq = 0;
const newKey = () => `idem-${Date.now().toString(36)}-${++seq}`;

/** A raw POST, to control the exact body bytes and headers. */
async function post(path: string, body: string, key?: string) {
  const res = await fetch(`${h.baseUrl}/admin/v1${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${TEST_ADMIN_TOKEN}`,
      'content-type': 'application/json',
      ...(key === undefined ? {} : { 'idempotency-key': key }),
    },
    body,
  });
  return {
    status: res.status,
    replayed: res.headers.get('idempotency-replayed'),
    body: (await res.json()) as any,
  };
}

describe('Idempotency-Key on POST', () => {
  it('replays the stored answer for the same key and body, creating one resource', async () => {
    const key = newKey();
    const tag = newKey();
    const first = await h.client.users.createWithMeta(
      { name: 'once', labels: { tag } },
      { idempotencyKey: key },
    );
    const second = await h.client.users.createWithMeta(
      { name: 'once', labels: { tag } },
      { idempotencyKey: key },
    );
    expect(first).toMatchObject({ status: 201, replayed: false });
    expect(second).toMatchObject({ status: 201, replayed: true });
    expect(second.resource).toEqual(first.resource);
    expect((await h.client.users.list({ label: `tag=${tag}` })).items).toHaveLength(1);
  });

  it('compares JSON bodies by content, not formatting', async () => {
    const key = newKey();
    const a = await post('/users', '{"name":"fmt","rpm_limit":5}', key);
    const b = await post('/users', '{ "rpm_limit": 5,\n  "name": "fmt" }', key);
    expect(a.status).toBe(201);
    expect(b).toMatchObject({ status: 201, replayed: 'true', body: { id: a.body.id } });
  });

  it('answers 409 IDEMPOTENCY_CONFLICT for the same key with another body or path', async () => {
    const key = newKey();
    await h.client.users.create({ name: 'first' }, { idempotencyKey: key });
    expect(await apiError(h.client.users.create({ name: 'second' }, { idempotencyKey: key }))).toMatchObject({
      status: 409,
      code: 'IDEMPOTENCY_CONFLICT',
    });
    expect(
      await apiError(h.client.channels.create({ name: 'first' }, { idempotencyKey: key })),
    ).toMatchObject({
      status: 409,
      code: 'IDEMPOTENCY_CONFLICT',
    });
  });

  it('runs one of two concurrent requests with the same key; the other replays its answer', async () => {
    const key = newKey();
    const tag = newKey();
    const body = JSON.stringify({ name: 'race', labels: { tag } });
    const answers = await Promise.all([
      post('/users', body, key),
      post('/users', body, key),
      post('/users', body, key),
    ]);
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201]);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    expect(answers.filter((a) => a.replayed === 'true')).toHaveLength(2);
    expect((await h.client.users.list({ label: `tag=${tag}` })).items).toHaveLength(1);
  });

  it('replays the one-time api key secret without storing it in plaintext', async () => {
    const user = await h.client.users.create({ name: 'k' });
    const group = await h.client.groups.create({ name: newKey(), platform: 'openai' });
    const key = newKey();
    const body = { name: 'ci', user_id: user.id, group_id: group.id };
    const first = await h.client.apiKeys.createWithMeta(body, { idempotencyKey: key });
    const again = await h.client.apiKeys.createWithMeta(body, { idempotencyKey: key });
    expect(again.replayed).toBe(true);
    expect(again.resource.secret).toBe(first.resource.secret);
    const rows = await h.database.db.execute(sql`select * from idempotency_records`);
    expect(JSON.stringify(rows)).not.toContain(first.resource.secret);
  });

  it('replays a stored 4xx answer as well', async () => {
    const key = newKey();
    const a = await post('/users', '{"name":""}', key);
    const b = await post('/users', '{"name":""}', key);
    expect(a.status).toBe(400);
    expect(b).toMatchObject({
      status: 400,
      replayed: 'true',
      body: { error: { code: 'VALIDATION_FAILED' } },
    });
  });

  it('makes actions safe to retry: a replayed rotate returns the same successor and secret', async () => {
    const user = await h.client.users.create({ name: 'r' });
    const group = await h.client.groups.create({ name: newKey(), platform: 'openai' });
    const { api_key } = await h.client.apiKeys.create({ name: 'r', user_id: user.id, group_id: group.id });
    const key = newKey();
    const first = await h.client.apiKeys.rotate(api_key.id, { grace_seconds: 60 }, { idempotencyKey: key });
    const again = await h.client.apiKeys.rotate(api_key.id, { grace_seconds: 60 }, { idempotencyKey: key });
    expect(again).toEqual(first);
  });

  it('keeps records 24 h and forgets them afterwards', async () => {
    const key = newKey();
    const first = await post('/channels', '{"name":"ttl"}', key);
    const rows = (await h.database.db.execute(
      sql`select extract(epoch from expires_at - created_at)::int as ttl from idempotency_records where key = ${key}`,
    )) as unknown as { rows?: { ttl: number }[] } & { ttl: number }[];
    const ttl = rows.rows?.[0]?.ttl ?? rows[0]?.ttl;
    expect(ttl).toBe(24 * 3600);
    await h.database.db.execute(
      sql`update idempotency_records set expires_at = now() - interval '1 second' where key = ${key}`,
    );
    const later = await post('/channels', '{"name":"ttl"}', key);
    expect(later.status).toBe(201);
    expect(later.replayed).toBeNull();
    expect(later.body.id).not.toBe(first.body.id);
  });

  it('refuses a malformed key with 400', async () => {
    const res = await post('/users', '{"name":"x"}', 'x'.repeat(300));
    expect(res).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
  });
});
