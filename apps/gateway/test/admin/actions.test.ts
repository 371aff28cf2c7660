import { type MockUpstream, startMockUpstream } from '@relay/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../src/secrets/index.ts';
import { type AdminHarness, apiError, startAdminHarness } from './admin-harness.ts';

const NOW = new Date('2026-06-04T10:00:00.000Z');
let h: AdminHarness;
let upstream: MockUpstream;
beforeAll(async () => {
  h = await startAdminHarness({ now: () => NOW });
  upstream = await startMockUpstream({ apiKey: 'sk-mock-upstream-credential-1234' });
});
afterAll(async () => {
  await upstream?.close();
  await h?.close();
});

let seq = 0;
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++seq}`;
const MISSING_KEY = 'key_00000000000000000000000000';
const MISSING_ACCOUNT = 'acc_00000000000000000000000000';

async function tenant() {
  const user = await h.client.users.create({ name: 'tenant', balance_usd: '10' });
  const group = await h.client.groups.create({ name: unique('g'), platform: 'openai' });
  const created = await h.client.apiKeys.create({ name: 'k', user_id: user.id, group_id: group.id });
  return { user, group, ...created };
}

async function mockAccount(overrides: Record<string, unknown> = {}) {
  return h.client.accounts.create({
    name: 'mock',
    platform: 'openai',
    base_url: `${upstream.url}/v1`,
    credential: upstream.apiKey,
    models: ['gpt-4o-mini'],
    ...overrides,
  });
}

describe('api key revoke and rotate', () => {
  it('revokes a key at once; revoking again answers it unchanged', async () => {
    const { api_key } = await tenant();
    const revoked = await h.client.apiKeys.revoke(api_key.id);
    expect(revoked).toMatchObject({ id: api_key.id, status: 'revoked', version: 2 });
    expect(await h.client.apiKeys.revoke(api_key.id)).toEqual(revoked);
    expect(await apiError(h.client.apiKeys.update(api_key.id, { status: 'active' }))).toMatchObject({
      status: 409,
      code: 'CONFLICT',
    });
    expect(
      (await h.client.auditEvents.list({ resource_id: api_key.id, action: 'revoke' })).items,
    ).toHaveLength(1);
  });

  it('rotates: a successor with a new secret, the old key working until grace_until', async () => {
    const { api_key, secret } = await tenant();
    const rotated = await h.client.apiKeys.rotate(api_key.id, { grace_seconds: 3600 });
    expect(rotated.secret).toMatch(/^sk-relay-[0-9A-Za-z]{43}$/);
    expect(rotated.secret).not.toBe(secret);
    expect(rotated.api_key).toMatchObject({
      rotated_from: api_key.id,
      user_id: api_key.user_id,
      group_id: api_key.group_id,
      status: 'active',
    });
    const old = await h.client.apiKeys.get(api_key.id);
    expect(old).toMatchObject({
      status: 'active',
      grace_until: new Date(NOW.getTime() + 3600_000).toISOString(),
    });
    // The relay finds both keys by their hash; the old one until its grace ends.
    expect((await h.store.apiKeys.getByHash(hashApiKey(secret)))?.id).toBe(api_key.id);
    expect((await h.store.apiKeys.getByHash(hashApiKey(rotated.secret)))?.id).toBe(rotated.api_key.id);
    const access = await h.client.access({ api_key_id: api_key.id });
    expect(access.reason).not.toBe('KEY_EXPIRED');

    expect(await apiError(h.client.apiKeys.rotate(api_key.id))).toMatchObject({
      status: 409,
      code: 'CONFLICT',
    });
  });

  it('rotates without grace by revoking the old key immediately', async () => {
    const { api_key } = await tenant();
    await h.client.apiKeys.rotate(api_key.id);
    expect((await h.client.apiKeys.get(api_key.id)).status).toBe('revoked');
  });

  it('answers 404, 400 and 401 like every endpoint', async () => {
    const { api_key } = await tenant();
    expect(await apiError(h.client.apiKeys.revoke(MISSING_KEY))).toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
    });
    expect(await apiError(h.client.apiKeys.rotate(MISSING_KEY))).toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
    });
    expect(await apiError(h.client.apiKeys.rotate(api_key.id, { grace_seconds: -1 }))).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
    });
    expect(
      await apiError(
        h.client
          .raw('POST', `/admin/v1/api-keys/${api_key.id}/revoke`, { body: { now: true } })
          .then(throwIfError),
      ),
    ).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(await apiError(h.badClient.apiKeys.revoke(api_key.id))).toMatchObject({ status: 401 });
    expect(await apiError(h.badClient.apiKeys.rotate(api_key.id))).toMatchObject({ status: 401 });
  });
});

describe('account test and clear-cooldown', () => {
  it('makes one tiny upstream call and reports latency, status and the answer', async () => {
    const account = await mockAccount();
    upstream.resetCounts();
    const result = await h.client.accounts.test(account.id);
    expect(result).toMatchObject({ ok: true, status: 200, model: 'gpt-4o-mini', output: expect.any(String) });
    expect(result.latency_ms).toBeGreaterThanOrEqual(0);
    expect(upstream.counts().total).toBe(1);
    const sent = upstream.lastRequests.at(-1);
    expect(sent).toMatchObject({
      path: '/v1/chat/completions',
      body: { model: 'gpt-4o-mini', max_tokens: 8 },
    });
  });

  it('maps the requested model and speaks the Anthropic API to anthropic accounts', async () => {
    const account = await mockAccount({
      platform: 'anthropic',
      models: [],
      model_mapping: { claude: 'claude-3-5-haiku-latest' },
    });
    const result = await h.client.accounts.test(account.id, { model: 'claude' });
    expect(result).toMatchObject({ ok: true, status: 200, model: 'claude-3-5-haiku-latest' });
    const sent = upstream.lastRequests.at(-1);
    expect(sent?.path).toBe('/v1/messages');
    expect(sent?.headers['x-api-key']).toBe(upstream.apiKey);
  });

  it('calls an Anthropic base URL without a version (as the built-in pack has it) on /v1/messages, like the relay', async () => {
    const account = await mockAccount({
      platform: 'anthropic',
      base_url: upstream.url,
      models: ['claude-haiku-4-5'],
    });
    const result = await h.client.accounts.test(account.id);
    expect(result).toMatchObject({ ok: true, status: 200 });
    expect(upstream.lastRequests.at(-1)?.path).toBe('/v1/messages');
  });

  it('marks the account status=error with last_error when the upstream refuses the credential', async () => {
    const account = await mockAccount({ credential: 'sk-wrong-credential-for-mock-0000' });
    const result = await h.client.accounts.test(account.id);
    expect(result).toMatchObject({ ok: false, status: 401 });
    const after = await h.client.accounts.get(account.id);
    expect(after).toMatchObject({ status: 'error', last_error: expect.stringContaining('401') });
    expect(JSON.stringify(result)).not.toContain('sk-wrong-credential-for-mock-0000');
    expect(
      (await h.client.auditEvents.list({ resource_id: account.id, action: 'mark_error' })).items,
    ).toHaveLength(1);
    // Re-activating clears the error.
    expect(await h.client.accounts.update(account.id, { status: 'active' })).toMatchObject({
      last_error: null,
    });
  });

  it('reports an unreachable upstream as status 0 without changing the account', async () => {
    const account = await mockAccount({ base_url: 'http://127.0.0.1:9/v1' });
    const result = await h.client.accounts.test(account.id);
    expect(result).toMatchObject({ ok: false, status: 0, error: expect.any(String) });
    expect((await h.client.accounts.get(account.id)).status).toBe('active');
  });

  it('needs a model for an account that serves any model', async () => {
    const account = await mockAccount({ models: [] });
    expect(await apiError(h.client.accounts.test(account.id))).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
    });
    expect(await apiError(h.client.accounts.test(account.id, { model: '' }))).toMatchObject({ status: 400 });
  });

  it('clears a cooldown (audited) so the account is schedulable again', async () => {
    const account = await mockAccount();
    await h.store.accounts.setCooldown(account.id, new Date(NOW.getTime() + 60_000), 'upstream 429');
    expect((await h.client.accounts.get(account.id)).cooldown_reason).toBe('upstream 429');
    const cleared = await h.client.accounts.clearCooldown(account.id);
    expect(cleared).toMatchObject({ cooldown_until: null, cooldown_reason: null, version: 2 });
    expect((await h.client.auditEvents.list({ resource_id: account.id })).items[0]?.action).toBe(
      'clear_cooldown',
    );
  });

  it('answers 404 and 401 for both actions', async () => {
    const account = await mockAccount();
    expect(await apiError(h.client.accounts.test(MISSING_ACCOUNT, { model: 'x' }))).toMatchObject({
      status: 404,
    });
    expect(await apiError(h.client.accounts.clearCooldown(MISSING_ACCOUNT))).toMatchObject({ status: 404 });
    expect(await apiError(h.badClient.accounts.test(account.id))).toMatchObject({ status: 401 });
    expect(await apiError(h.badClient.accounts.clearCooldown(account.id))).toMatchObject({ status: 401 });
  });
});

describe('access report', () => {
  it('explains the missing-binding incident: the key works until the account is bound to its group', async () => {
    const { api_key, group } = await tenant();
    const account = await mockAccount();

    const broken = await h.client.access({ api_key_id: api_key.id }, 'gpt-4o-mini');
    expect(broken).toMatchObject({
      ok: false,
      reason: 'GROUP_HAS_NO_ACCOUNTS',
      group_id: group.id,
      api_key_id: api_key.id,
      routable: false,
    });
    expect(broken.message).toContain(group.id);

    const binding = await h.client.accountGroups.create({ account_id: account.id, group_id: group.id });
    const fixed = await h.client.access({ api_key_id: api_key.id }, 'gpt-4o-mini');
    expect(fixed).toMatchObject({ ok: true, accounts: [account.id], routable: true, missing: [] });
    expect(fixed.bound_accounts).toEqual([
      expect.objectContaining({ account_id: account.id, account_group_id: binding.id, blocker: null }),
    ]);

    const byGroup = await h.client.access({ group_id: group.id }, 'some-unknown-model');
    expect(byGroup).toMatchObject({ ok: false, reason: 'NO_ACCOUNT_SERVES_MODEL' });
  });

  it('reports a cooling-down account and an unknown key by their reason codes', async () => {
    const { group } = await tenant();
    const account = await mockAccount();
    await h.client.accountGroups.create({ account_id: account.id, group_id: group.id });
    await h.store.accounts.setCooldown(account.id, new Date(NOW.getTime() + 60_000), 'upstream 429');
    expect(await h.client.access({ group_id: group.id })).toMatchObject({
      ok: false,
      reason: 'ALL_ACCOUNTS_COOLING_DOWN',
    });
    expect(await h.client.access({ api_key_id: MISSING_KEY })).toMatchObject({
      ok: false,
      reason: 'KEY_NOT_FOUND',
    });
    expect(await h.client.access({ group_id: 'grp_00000000000000000000000000' })).toMatchObject({
      ok: false,
      reason: 'GROUP_NOT_FOUND',
    });
  });

  it('needs exactly one of group_id and api_key_id', async () => {
    expect(await apiError(h.client.raw('GET', '/admin/v1/access').then(throwIfError))).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
    });
    expect(await apiError(h.badClient.access({ group_id: 'grp_1' }))).toMatchObject({ status: 401 });
  });
});

describe('usage', () => {
  it('lists events newest first with filters and sums them by model', async () => {
    const { api_key, user, group } = await tenant();
    const base = {
      apiKeyId: api_key.id,
      userId: user.id,
      groupId: group.id,
      endpoint: '/v1/chat/completions',
      statusCode: 200,
      promptTokens: 100,
      completionTokens: 20,
      costMicros: 1_250n,
      chargedMicros: 2_500n,
    };
    await h.store.usageEvents.insertNew([
      {
        ...base,
        requestId: unique('req'),
        modelRequested: 'gpt-4o-mini',
        createdAt: new Date('2026-06-01T10:00:00Z'),
      },
      {
        ...base,
        requestId: unique('req'),
        modelRequested: 'gpt-4o-mini',
        createdAt: new Date('2026-06-02T10:00:00Z'),
      },
      {
        ...base,
        requestId: unique('req'),
        modelRequested: 'gpt-4o',
        createdAt: new Date('2026-06-02T11:00:00Z'),
      },
    ]);
    const events = await h.client.usage.events({ group_id: group.id });
    expect(events.items.map((e) => e.model_requested)).toEqual(['gpt-4o', 'gpt-4o-mini', 'gpt-4o-mini']);
    expect(events.items[0]).toMatchObject({
      cost_usd: '0.00125',
      charged_usd: '0.0025',
      api_key_id: api_key.id,
    });
    const windowed = await h.client.usage.events({ group_id: group.id, since: '2026-06-02T00:00:00Z' });
    expect(windowed.items).toHaveLength(2);

    const summary = await h.client.usage.summary({ group_id: group.id, group_by: 'model' });
    expect(summary.items).toEqual([
      {
        key: 'gpt-4o',
        requests: 1,
        prompt_tokens: 100,
        completion_tokens: 20,
        cached_tokens: 0,
        cost_usd: '0.00125',
        charged_usd: '0.0025',
      },
      {
        key: 'gpt-4o-mini',
        requests: 2,
        prompt_tokens: 200,
        completion_tokens: 40,
        cached_tokens: 0,
        cost_usd: '0.0025',
        charged_usd: '0.005',
      },
    ]);
    const byDay = await h.client.usage.summary({ group_id: group.id, group_by: 'day' });
    expect(byDay.items.map((i) => [i.key, i.requests])).toEqual([
      ['2026-06-01', 1],
      ['2026-06-02', 2],
    ]);
  });

  it('validates filters and requires the admin token', async () => {
    expect(await apiError(h.client.usage.events({ user_id: 'nope' }))).toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    expect(await apiError(h.client.usage.summary({ group_by: 'colour' as never }))).toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    expect(await apiError(h.badClient.usage.events())).toMatchObject({ status: 401 });
    expect(await apiError(h.badClient.usage.summary())).toMatchObject({ status: 401 });
  });
});

/** `raw` never throws on a status: turn an error answer into the shape apiError reads. */
async function throwIfError(res: { status: number; body: unknown }) {
  if (res.status >= 400) {
    const body = res.body as { error: { code: string; message: string; details?: unknown } };
    throw Object.assign(new Error(body.error.message), {
      status: res.status,
      code: body.error.code,
      details: body.error.details,
    });
  }
  return res;
}
