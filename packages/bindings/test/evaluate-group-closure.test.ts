import { describe, expect, it } from 'vitest';
import { evaluateAccess, evaluateGroupClosure } from '../src/index.ts';
import { CLOSURE_ROWS } from './closure-rows.ts';
import {
  account,
  at,
  binding,
  channel,
  channelBinding,
  get,
  group,
  HOUR,
  healthyWorld,
  NOW,
  price,
} from './fixtures.ts';

describe('evaluateGroupClosure: one broken link per row', () => {
  it.each(CLOSURE_ROWS)('$name → $reason', (row) => {
    const w = healthyWorld();
    row.build(w);
    const report = evaluateGroupClosure(w, 'grp_1', NOW);
    expect(report).toEqual({ ok: false, group_id: 'grp_1', routable: row.routable, missing: row.missing });
    expect(report.missing.map((m) => m.reason)).toContain(row.reason);
    expect(report.routable).toBe(evaluateAccess(w, { group_id: 'grp_1' }, NOW).ok);
  });

  it('a healthy group has nothing missing', () => {
    expect(evaluateGroupClosure(healthyWorld(), 'grp_1', NOW)).toEqual({
      ok: true,
      group_id: 'grp_1',
      routable: true,
      missing: [],
    });
  });
});

describe('evaluateGroupClosure: every broken link, not only the first', () => {
  it('lists group, channel, account verdict, dangling bindings and each account, in that order', () => {
    const w = healthyWorld();
    get(w.groups, 'grp_1').status = 'disabled';
    w.channelGroups.push(channelBinding('chn_gone', 'grp_1'));
    Object.assign(get(w.accounts, 'acc_1'), {
      status: 'disabled',
      schedulable: false,
      platform: 'anthropic',
    });
    w.accounts.push(account({ id: 'acc_2', cooldown_until: at(HOUR) }));
    w.accountGroups.push(binding('acc_2', 'grp_1'), binding('acc_gone', 'grp_1'));
    const report = evaluateGroupClosure(w, 'grp_1', NOW);
    expect(report.ok).toBe(false);
    expect(report.routable).toBe(false);
    expect(report.missing.map((m) => [m.reason, m.ids.account_id ?? m.ids.account_ids ?? null])).toEqual([
      ['GROUP_DISABLED', null],
      ['CHANNEL_NOT_FOUND', null],
      ['ALL_ACCOUNTS_COOLING_DOWN', ['acc_2']],
      ['BINDING_ACCOUNT_NOT_FOUND', 'acc_gone'],
      ['ACCOUNT_NOT_ACTIVE', 'acc_1'],
      ['ACCOUNT_UNSCHEDULABLE', 'acc_1'],
      ['ACCOUNT_PLATFORM_MISMATCH', 'acc_1'],
      ['ACCOUNT_COOLING_DOWN', 'acc_2'],
    ]);
  });

  it('a group that routes can still have links to fix (ok false, routable true)', () => {
    const w = healthyWorld();
    w.accounts.push(account({ id: 'acc_2', status: 'disabled' }));
    w.accountGroups.push(binding('acc_2', 'grp_1'));
    expect(evaluateGroupClosure(w, 'grp_1', NOW)).toMatchObject({
      ok: false,
      routable: true,
      missing: [{ reason: 'ACCOUNT_NOT_ACTIVE', ids: { account_id: 'acc_2' } }],
    });
  });

  it('with a model, also checks the channel catalogue and that an account serves it', () => {
    const w = healthyWorld();
    get(w.accounts, 'acc_1').models = ['deepseek-chat'];
    w.channels.push(channel({ restrict_models: true }));
    w.channelGroups.push(channelBinding('chn_1', 'grp_1'));
    w.prices.push(price('deepseek-chat', 'chn_1'), price('gpt-5.4', 'chn_1'));
    expect(evaluateGroupClosure(w, 'grp_1', NOW, { model: 'deepseek-chat' })).toMatchObject({ ok: true });
    expect(evaluateGroupClosure(w, 'grp_1', NOW, { model: 'o3' })).toMatchObject({
      ok: false,
      routable: false,
      missing: [{ reason: 'CHANNEL_RESTRICTS_MODEL' }, { reason: 'NO_ACCOUNT_SERVES_MODEL' }],
    });
    expect(evaluateGroupClosure(w, 'grp_1', NOW, { model: 'gpt-5.4' })).toMatchObject({
      missing: [{ reason: 'NO_ACCOUNT_SERVES_MODEL' }],
    });
  });

  it('seed incident: group 3 lacks its account while group 4 is fine', () => {
    const w = healthyWorld();
    w.groups = [group({ id: 'grp_3' }), group({ id: 'grp_4', billing_mode: 'subscription' })];
    w.accounts = [account({ id: 'acc_7' })];
    w.accountGroups = [binding('acc_7', 'grp_4')];
    w.apiKeys = [{ ...get(w.apiKeys, 'key_1'), id: 'key_11', group_id: 'grp_3' }];
    w.channels = [channel()];
    w.channelGroups = [channelBinding('chn_1', 'grp_3')];
    expect(evaluateGroupClosure(w, 'grp_3', NOW)).toEqual({
      ok: false,
      group_id: 'grp_3',
      routable: false,
      missing: [
        {
          reason: 'GROUP_HAS_NO_ACCOUNTS',
          ids: { group_id: 'grp_3' },
          message: 'group grp_3 has no accounts bound (bind an account to the group)',
        },
      ],
    });
    expect(evaluateGroupClosure(w, 'grp_4', NOW).ok).toBe(true);
  });
});
