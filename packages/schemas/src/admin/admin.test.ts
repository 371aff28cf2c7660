import { describe, expect, it } from 'vitest';
import {
  ADMIN_RESOURCE_PATHS,
  ADMIN_RESOURCES,
  accessQuerySchema,
  accountCreateSchema,
  accountSchema,
  accountUpdateSchema,
  apiKeyCreatedSchema,
  apiKeyRotateSchema,
  apiKeySchema,
  apiKeyUpdateSchema,
  deleteQuerySchema,
  groupCreateSchema,
  groupUpdateSchema,
  matchesLabelSelectors,
  microsToMoney,
  moneySchema,
  moneyToMicros,
  parseLabelSelector,
  priceCreateSchema,
  userCreateSchema,
  userListQuerySchema,
  userUpdateSchema,
} from './index.ts';

const now = '2025-01-02T03:04:05.678Z';
const base = (id: string) => ({ id, created_at: now, updated_at: now, version: 1, labels: {} });

const account = {
  ...base('acc_01HZ'),
  name: 'deepseek-1',
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

describe('create schemas apply the documented defaults', () => {
  it('user: concurrency 10, unlimited rpm, zero balance, active', () => {
    expect(userCreateSchema.parse({ name: 'acme' })).toEqual({
      name: 'acme',
      email: null,
      status: 'active',
      balance_usd: '0',
      concurrency_limit: 10,
      rpm_limit: 0,
      labels: {},
    });
  });

  it('account: concurrency 3, priority 50, weight 1, schedulable', () => {
    const parsed = accountCreateSchema.parse({
      name: 'a',
      platform: 'openai',
      base_url: 'https://api.deepseek.com/v1',
      credential: 'sk-secret',
    });
    expect(parsed).toMatchObject({
      concurrency: 3,
      priority: 50,
      weight: 1,
      status: 'active',
      schedulable: true,
    });
    expect(parsed.models).toEqual([]);
  });

  it('group: rate multiplier "1", balance billing', () => {
    const parsed = groupCreateSchema.parse({ name: 'g', platform: 'anthropic' });
    expect(parsed).toMatchObject({ rate_multiplier: '1', billing_mode: 'balance', daily_limit_usd: null });
  });

  it('price: cache prices default to 0 and channel to global', () => {
    expect(priceCreateSchema.parse({ model: 'gpt-4o', input: '2.5', output: '10' })).toMatchObject({
      channel_id: null,
      cache_read: '0',
      cache_write: '0',
    });
  });

  it('update schemas add no defaults (a PATCH only touches what it names)', () => {
    expect(userUpdateSchema.parse({ name: 'x' })).toEqual({ name: 'x' });
    expect(accountUpdateSchema.parse({})).toEqual({});
  });
});

describe('strictness', () => {
  it('rejects unknown fields on create and update', () => {
    expect(userCreateSchema.safeParse({ name: 'a', nmae: 'typo' }).success).toBe(false);
    expect(userUpdateSchema.safeParse({ balance: '1' }).success).toBe(false);
  });

  it('immutable fields are not patchable', () => {
    expect(groupUpdateSchema.safeParse({ platform: 'openai' }).success).toBe(false);
    expect(apiKeyUpdateSchema.safeParse({ user_id: 'usr_1' }).success).toBe(false);
    expect(apiKeyUpdateSchema.safeParse({ status: 'revoked' }).success).toBe(false);
  });

  it('account base URLs must be http(s) without credentials', () => {
    const body = { name: 'a', platform: 'openai', credential: 'k' };
    expect(accountCreateSchema.safeParse({ ...body, base_url: 'ftp://x.example' }).success).toBe(false);
    expect(accountCreateSchema.safeParse({ ...body, base_url: 'https://u:p@x.example' }).success).toBe(false);
  });
});

describe('money', () => {
  it.each(['0', '12.50', '-3', '0.000001', '1000000'])('accepts %s', (v) => {
    expect(moneySchema.safeParse(v).success).toBe(true);
  });
  it.each(['1.2345678', '1e3', '.5', '1.', '', ' 1'])('rejects %j', (v) => {
    expect(moneySchema.safeParse(v).success).toBe(false);
  });
  it('rejects a float number', () => {
    expect(moneySchema.safeParse(12.5).success).toBe(false);
  });
  it('converts to and from micro-USD without floats', () => {
    expect(moneyToMicros('12.5')).toBe(12_500_000);
    expect(moneyToMicros('-0.000001')).toBe(-1);
    expect(microsToMoney(12_500_000)).toBe('12.5');
    expect(microsToMoney(-1)).toBe('-0.000001');
    expect(microsToMoney(3_000_000n)).toBe('3');
    expect(moneyToMicros(microsToMoney(123_456_789))).toBe(123_456_789);
  });
});

describe('secrets never leave through resource schemas', () => {
  it('account exposes only the fingerprint', () => {
    const parsed = accountSchema.parse({ ...account, credential: 'sk-leak' });
    expect(parsed).not.toHaveProperty('credential');
    expect(parsed.credential_fingerprint).toBe('sk-…a1b2');
    expect(Object.keys(accountSchema.shape)).not.toContain('credential');
  });

  it('api key exposes only the prefix', () => {
    expect(Object.keys(apiKeySchema.shape)).not.toContain('key_hash');
    expect(Object.keys(apiKeySchema.shape)).toContain('key_prefix');
    expect(apiKeyCreatedSchema.shape.secret.safeParse('sk-relay-abc').success).toBe(true);
  });
});

describe('queries', () => {
  it('list queries coerce limit, default it and normalise label selectors', () => {
    expect(userListQuerySchema.parse({})).toEqual({ limit: 50 });
    expect(userListQuerySchema.parse({ limit: '7', label: 'a/b=c=d' })).toEqual({
      limit: 7,
      label: ['a/b=c=d'],
    });
    expect(userListQuerySchema.safeParse({ limit: '501' }).success).toBe(false);
    expect(userListQuerySchema.safeParse({ label: 'novalue' }).success).toBe(false);
  });

  it('label selectors split at the first "="', () => {
    expect(parseLabelSelector('relay.manager/key=a=b')).toEqual({ key: 'relay.manager/key', value: 'a=b' });
    expect(matchesLabelSelectors({ a: '1', b: '2' }, ['a=1', 'b=2'])).toBe(true);
    expect(matchesLabelSelectors({ a: '1' }, ['a=1', 'b=2'])).toBe(false);
  });

  it('access needs exactly one of group_id and api_key_id', () => {
    expect(accessQuerySchema.safeParse({ group_id: 'grp_1', model: 'm' }).success).toBe(true);
    expect(accessQuerySchema.safeParse({}).success).toBe(false);
    expect(accessQuerySchema.safeParse({ group_id: 'grp_1', api_key_id: 'key_1' }).success).toBe(false);
  });

  it('rotate grace is bounded to 30 days; cascade parses from the query string', () => {
    expect(apiKeyRotateSchema.safeParse({ grace_seconds: 30 * 86400 }).success).toBe(true);
    expect(apiKeyRotateSchema.safeParse({ grace_seconds: 30 * 86400 + 1 }).success).toBe(false);
    expect(apiKeyRotateSchema.safeParse({ grace_seconds: -1 }).success).toBe(false);
    expect(deleteQuerySchema.parse({ cascade: 'true' })).toEqual({ cascade: true });
    expect(deleteQuerySchema.parse({})).toEqual({ cascade: false });
  });
});

describe('ADMIN_RESOURCES', () => {
  it('lists the eight collections with their id prefixes', () => {
    expect(ADMIN_RESOURCE_PATHS).toEqual([
      'users',
      'groups',
      'accounts',
      'api-keys',
      'channels',
      'account-groups',
      'channel-groups',
      'prices',
    ]);
    for (const path of ADMIN_RESOURCE_PATHS) {
      const r = ADMIN_RESOURCES[path];
      expect(r.path).toBe(path);
      expect(Object.keys(r.schema.shape)).toEqual(
        expect.arrayContaining(['id', 'created_at', 'updated_at', 'version', 'labels']),
      );
    }
    expect(ADMIN_RESOURCES['api-keys'].idPrefix).toBe('key');
  });
});
