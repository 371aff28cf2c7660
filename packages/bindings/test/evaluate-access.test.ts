import { describe, expect, it } from 'vitest';
import { evaluateAccess, noAvailableAccountsMessage, type ReasonCode } from '../src/index.ts';
import { ACCESS_ROWS, KEY, KEY_GPT } from './access-rows.ts';
import {
  account,
  at,
  binding,
  channel,
  channelBinding,
  get,
  HOUR,
  healthyWorld,
  NOW,
  price,
  subscription,
  type World,
} from './fixtures.ts';

describe('evaluateAccess: one broken link per row', () => {
  it.each(ACCESS_ROWS)('$name → $reason', (row) => {
    const w = healthyWorld();
    row.build(w);
    const result = evaluateAccess(w, row.query ?? KEY, NOW);
    expect(result).toMatchObject({ ok: false, reason: row.reason, message: row.message });
    if (result.ok) return;
    expect(result.ids).toEqual(row.ids);
    if (row.category) expect(result.category).toBe(row.category);
    expect(noAvailableAccountsMessage(result)).toBe(
      `account_select_failed: no available accounts: ${row.message}`,
    );
  });

  it('the healthy world itself is routable, with and without a model', () => {
    expect(evaluateAccess(healthyWorld(), KEY, NOW).ok).toBe(true);
    expect(evaluateAccess(healthyWorld(), KEY_GPT, NOW).ok).toBe(true);
    expect(evaluateAccess(healthyWorld(), { group_id: 'grp_1', model: 'gpt-5.4' }, NOW).ok).toBe(true);
  });
});

describe('seed incident: key and channel bound to a group that has no account', () => {
  /** channel 1 → group 3, api key 11 → group 3, account 7 → group 4 only (the missing account 7 → group 3). */
  function incident(): World {
    const w = healthyWorld();
    w.groups = [group3(), { ...group3(), id: 'grp_4', billing_mode: 'balance' }];
    w.accounts = [account({ id: 'acc_7', models: ['gpt-5.4', 'gpt-5.4-mini'] })];
    w.accountGroups = [binding('acc_7', 'grp_4')];
    w.apiKeys = [{ ...get(w.apiKeys, 'key_1'), id: 'key_11', group_id: 'grp_3' }];
    w.channels = [channel({ id: 'chn_1' })];
    w.channelGroups = [channelBinding('chn_1', 'grp_3')];
    w.prices = [price('gpt-5.4', 'chn_1'), price('gpt-5.4-mini', 'chn_1')];
    return w;
  }
  function group3() {
    return {
      id: 'grp_3',
      platform: 'openai' as const,
      status: 'active' as const,
      billing_mode: 'balance' as const,
    };
  }

  it('completions explain the missing binding by naming the group', () => {
    const result = evaluateAccess(incident(), { api_key_id: 'key_11', model: 'gpt-5.4' }, NOW);
    expect(result).toMatchObject({ ok: false, reason: 'GROUP_HAS_NO_ACCOUNTS', category: 'routing' });
    if (result.ok) return;
    expect(result.ids).toEqual({ group_id: 'grp_3' });
    expect(noAvailableAccountsMessage(result)).toBe(
      'account_select_failed: no available accounts: group grp_3 has no accounts bound (bind an account to the group)',
    );
  });

  it('binding account 7 to group 3 repairs it', () => {
    const w = incident();
    w.accountGroups.push(binding('acc_7', 'grp_3'));
    expect(evaluateAccess(w, { api_key_id: 'key_11', model: 'gpt-5.4-mini' }, NOW)).toEqual({
      ok: true,
      group_id: 'grp_3',
      channel_id: 'chn_1',
      accounts: ['acc_7'],
      candidates: [{ account_id: 'acc_7', priority: 50, weight: 1, upstream_model: 'gpt-5.4-mini' }],
    });
  });
});

describe('evaluateAccess: the first broken link wins', () => {
  /** Everything broken at once; each step repairs the link just reported. */
  it('reports links in chain order as they are fixed one by one', () => {
    const w = healthyWorld();
    const key = get(w.apiKeys, 'key_1');
    const usr = get(w.users, 'usr_1');
    const grp = get(w.groups, 'grp_1');
    const acc = get(w.accounts, 'acc_1');
    Object.assign(key, {
      status: 'revoked',
      expires_at: at(-1),
      quota_usd: '1',
      quota_used_usd: '2',
      allowed_models: ['o3'],
    });
    Object.assign(usr, { status: 'disabled', balance_usd: '0' });
    grp.status = 'disabled';
    w.channels.push(channel({ restrict_models: true }));
    w.channelGroups.push(channelBinding('chn_1', 'grp_1'));
    Object.assign(acc, {
      status: 'disabled',
      platform: 'anthropic',
      cooldown_until: at(HOUR),
      models: ['x'],
    });

    const fixes: [ReasonCode, () => void][] = [
      ['KEY_REVOKED', () => (key.status = 'active')],
      ['KEY_EXPIRED', () => (key.expires_at = null)],
      ['KEY_QUOTA_EXCEEDED', () => (key.quota_usd = null)],
      ['KEY_MODEL_NOT_ALLOWED', () => (key.allowed_models = [])],
      ['USER_DISABLED', () => (usr.status = 'active')],
      ['INSUFFICIENT_BALANCE', () => (usr.balance_usd = '0.01')],
      ['GROUP_DISABLED', () => (grp.status = 'active')],
      ['CHANNEL_RESTRICTS_MODEL', () => w.prices.push(price('gpt-5.4', 'chn_1'))],
      ['NO_ACTIVE_ACCOUNTS', () => (acc.status = 'active')],
      ['PLATFORM_MISMATCH', () => (acc.platform = 'openai')],
      ['ALL_ACCOUNTS_COOLING_DOWN', () => (acc.cooldown_until = null)],
      ['NO_ACCOUNT_SERVES_MODEL', () => (acc.models = ['gpt-5.4'])],
    ];
    const seen: string[] = [];
    for (const [, fix] of fixes) {
      const result = evaluateAccess(w, KEY_GPT, NOW);
      seen.push(result.ok ? 'ok' : result.reason);
      fix();
    }
    seen.push(evaluateAccess(w, KEY_GPT, NOW).ok ? 'ok' : 'still broken');
    expect(seen).toEqual([...fixes.map(([reason]) => reason), 'ok']);
  });

  it('a missing user is reported before the balance', () => {
    const w = healthyWorld();
    w.users.length = 0;
    w.accountGroups.length = 0;
    expect(evaluateAccess(w, KEY, NOW)).toMatchObject({ reason: 'USER_NOT_FOUND' });
  });

  it('a group query skips the key and user links', () => {
    const w = healthyWorld();
    get(w.users, 'usr_1').balance_usd = '0';
    get(w.apiKeys, 'key_1').status = 'revoked';
    expect(evaluateAccess(w, { group_id: 'grp_1' }, NOW).ok).toBe(true);
  });

  it('a key queried with its own group passes', () => {
    expect(evaluateAccess(healthyWorld(), { api_key_id: 'key_1', group_id: 'grp_1' }, NOW).ok).toBe(true);
  });

  it('a key queried against a missing group is still KEY_NOT_BOUND (the key names its group)', () => {
    expect(evaluateAccess(healthyWorld(), { api_key_id: 'key_1', group_id: 'grp_x' }, NOW)).toMatchObject({
      reason: 'KEY_NOT_BOUND',
    });
  });
});

describe('evaluateAccess: expiry and cooldowns against now', () => {
  it('a key expires exactly at expires_at', () => {
    const w = healthyWorld();
    get(w.apiKeys, 'key_1').expires_at = NOW;
    expect(evaluateAccess(w, KEY, NOW)).toMatchObject({ reason: 'KEY_EXPIRED' });
    expect(evaluateAccess(w, KEY, at(-1)).ok).toBe(true);
  });

  it('a rotated key works until its grace ends', () => {
    const w = healthyWorld();
    get(w.apiKeys, 'key_1').grace_until = at(HOUR);
    expect(evaluateAccess(w, KEY, NOW).ok).toBe(true);
    expect(evaluateAccess(w, KEY, at(HOUR))).toMatchObject({ reason: 'KEY_EXPIRED' });
  });

  it('accepts now as a Date', () => {
    const w = healthyWorld();
    get(w.apiKeys, 'key_1').expires_at = at(1000);
    expect(evaluateAccess(w, KEY, new Date(NOW)).ok).toBe(true);
    expect(evaluateAccess(w, KEY, new Date(Date.parse(NOW) + 1000))).toMatchObject({ reason: 'KEY_EXPIRED' });
  });

  it('a cooldown ending at now is over', () => {
    const w = healthyWorld();
    get(w.accounts, 'acc_1').cooldown_until = NOW;
    expect(evaluateAccess(w, KEY, NOW).ok).toBe(true);
    expect(evaluateAccess(w, KEY, at(-1))).toMatchObject({ reason: 'ALL_ACCOUNTS_COOLING_DOWN' });
  });

  it('a cooling account is skipped while another is ready', () => {
    const w = healthyWorld();
    get(w.accounts, 'acc_1').cooldown_until = at(HOUR);
    w.accounts.push(account({ id: 'acc_2', priority: 90 }));
    w.accountGroups.push(binding('acc_2', 'grp_1'));
    expect(evaluateAccess(w, KEY, NOW)).toMatchObject({ ok: true, accounts: ['acc_2'] });
  });

  it('rejects a query naming neither a key nor a group', () => {
    expect(() => evaluateAccess(healthyWorld(), { model: 'gpt-5.4' }, NOW)).toThrow(
      /api_key_id or a group_id/,
    );
  });

  it('rejects an unparsable now instead of guessing', () => {
    expect(() => evaluateAccess(healthyWorld(), KEY, 'yesterday')).toThrow(/invalid time/);
  });
});

describe('evaluateAccess: quota and balance compare decimals exactly', () => {
  it.each([
    ['0.1', '0.09999', true],
    ['0.1', '0.1', false],
    ['0.1', '0.100001', false],
    ['100', '99.999999', true],
  ])('quota %s with %s used → routable %s', (quota, used, routable) => {
    const w = healthyWorld();
    Object.assign(get(w.apiKeys, 'key_1'), { quota_usd: quota, quota_used_usd: used });
    expect(evaluateAccess(w, KEY, NOW).ok).toBe(routable);
  });

  it('the smallest positive balance is enough', () => {
    const w = healthyWorld();
    get(w.users, 'usr_1').balance_usd = '0.000001';
    expect(evaluateAccess(w, KEY, NOW).ok).toBe(true);
  });

  it('no quota means unlimited', () => {
    const w = healthyWorld();
    Object.assign(get(w.apiKeys, 'key_1'), { quota_usd: null, quota_used_usd: '1000000' });
    expect(evaluateAccess(w, KEY, NOW).ok).toBe(true);
  });

  it('rejects a malformed amount', () => {
    const w = healthyWorld();
    get(w.users, 'usr_1').balance_usd = '1e3';
    expect(() => evaluateAccess(w, KEY, NOW)).toThrow(/invalid USD amount/);
  });
});

describe('evaluateAccess: happy path', () => {
  it('returns eligible accounts in priority order, binding priority overriding the account', () => {
    const w = healthyWorld();
    get(w.accounts, 'acc_1').priority = 10;
    w.accounts.push(
      account({ id: 'acc_2', priority: 50, weight: 3 }),
      account({ id: 'acc_3', priority: null }),
      account({ id: 'acc_0', priority: 50 }),
      account({ id: 'acc_off', status: 'disabled', priority: 1 }),
    );
    w.accountGroups.push(
      binding('acc_2', 'grp_1', { priority: 5 }),
      binding('acc_3', 'grp_1'),
      binding('acc_0', 'grp_1'),
      binding('acc_off', 'grp_1'),
      binding('acc_2', 'grp_other'),
    );
    const result = evaluateAccess(w, KEY_GPT, NOW);
    expect(result).toEqual({
      ok: true,
      group_id: 'grp_1',
      channel_id: null,
      accounts: ['acc_2', 'acc_1', 'acc_0', 'acc_3'],
      candidates: [
        { account_id: 'acc_2', priority: 5, weight: 3, upstream_model: 'gpt-5.4' },
        { account_id: 'acc_1', priority: 10, weight: 1, upstream_model: 'gpt-5.4' },
        { account_id: 'acc_0', priority: 50, weight: 1, upstream_model: 'gpt-5.4' },
        { account_id: 'acc_3', priority: 50, weight: 1, upstream_model: 'gpt-5.4' },
      ],
    });
  });

  it('an account bound twice counts once, with its best priority', () => {
    const w = healthyWorld();
    w.accountGroups.push(binding('acc_1', 'grp_1', { id: 'agb_dup', priority: 7 }));
    expect(evaluateAccess(w, KEY, NOW)).toMatchObject({
      accounts: ['acc_1'],
      candidates: [{ account_id: 'acc_1', priority: 7, upstream_model: null }],
    });
  });

  it('only accounts serving the model are returned, each with its upstream model', () => {
    const w = healthyWorld();
    get(w.accounts, 'acc_1').models = ['deepseek-chat'];
    w.accounts.push(account({ id: 'acc_2', model_mapping: { 'gpt-5.4': 'gpt-5.4-2026-05' } }));
    w.accountGroups.push(binding('acc_2', 'grp_1'));
    expect(evaluateAccess(w, KEY_GPT, NOW)).toMatchObject({
      ok: true,
      accounts: ['acc_2'],
      candidates: [{ account_id: 'acc_2', upstream_model: 'gpt-5.4-2026-05' }],
    });
  });

  it('a subscription-mode key under its limits routes', () => {
    const w = healthyWorld();
    Object.assign(get(w.groups, 'grp_1'), { billing_mode: 'subscription', daily_limit_usd: '5' });
    get(w.users, 'usr_1').balance_usd = '0';
    w.subscriptions.push(subscription({ daily_usage_usd: '4.999999', daily_window_start: at(-HOUR) }));
    expect(evaluateAccess(w, KEY, NOW).ok).toBe(true);
  });
});
