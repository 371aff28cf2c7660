import { describe, expect, it } from 'vitest';
import {
  evaluateAccess,
  type SnapshotGroup,
  type SnapshotSubscription,
  SUBSCRIPTION_WINDOWS,
} from '../src/index.ts';
import { at, DAY, get, HOUR, healthyWorld, NOW, subscription } from './fixtures.ts';

const KEY = { api_key_id: 'key_1' };

function subscribed(limits: Partial<SnapshotGroup>, ...subs: SnapshotSubscription[]) {
  const w = healthyWorld();
  Object.assign(get(w.groups, 'grp_1'), { billing_mode: 'subscription', ...limits });
  get(w.users, 'usr_1').balance_usd = '0';
  w.subscriptions.push(...subs);
  return w;
}

describe('subscription windows', () => {
  it('window lengths are a day, a week and 30 days', () => {
    expect(SUBSCRIPTION_WINDOWS).toEqual({ daily: DAY, weekly: 7 * DAY, monthly: 30 * DAY });
  });

  it.each([
    [
      'daily',
      { daily_limit_usd: '1' },
      { daily_usage_usd: '1.00', daily_window_start: at(-23 * HOUR) },
      at(HOUR),
    ],
    [
      'weekly',
      { weekly_limit_usd: '5' },
      { weekly_usage_usd: '6', weekly_window_start: at(-6 * DAY) },
      at(DAY),
    ],
    [
      'monthly',
      { monthly_limit_usd: '20' },
      { monthly_usage_usd: '20', monthly_window_start: at(-29 * DAY) },
      at(DAY),
    ],
  ] as const)('%s limit reached inside the window', (window, limits, usage, resetsAt) => {
    const result = evaluateAccess(subscribed(limits, subscription(usage)), KEY, NOW);
    expect(result).toMatchObject({ ok: false, reason: 'SUBSCRIPTION_LIMIT_EXCEEDED', category: 'billing' });
    if (result.ok) return;
    expect(result.message).toContain(`the ${window} limit`);
    expect(result.message).toContain(`the window resets at ${resetsAt}`);
  });

  it.each([
    ['daily', { daily_limit_usd: '1' }, { daily_usage_usd: '9', daily_window_start: at(-DAY) }],
    ['weekly', { weekly_limit_usd: '1' }, { weekly_usage_usd: '9', weekly_window_start: at(-8 * DAY) }],
    ['monthly', { monthly_limit_usd: '1' }, { monthly_usage_usd: '9', monthly_window_start: at(-30 * DAY) }],
  ] as const)('%s usage of a rolled-over window no longer counts', (_window, limits, usage) => {
    expect(evaluateAccess(subscribed(limits, subscription(usage)), KEY, NOW).ok).toBe(true);
  });

  it('usage without a window start counts, and the message says nothing about a reset', () => {
    const result = evaluateAccess(
      subscribed({ daily_limit_usd: '1' }, subscription({ daily_usage_usd: '1' })),
      KEY,
      NOW,
    );
    expect(result).toMatchObject({
      reason: 'SUBSCRIPTION_LIMIT_EXCEEDED',
      message: 'subscription sub_1 used 1 of the daily limit of 1 USD of group grp_1 (raise daily_limit_usd)',
    });
  });

  it('windows are checked daily, then weekly, then monthly', () => {
    const sub = subscription({ daily_usage_usd: '1', weekly_usage_usd: '1', monthly_usage_usd: '1' });
    const limits = { daily_limit_usd: '2', weekly_limit_usd: '1', monthly_limit_usd: '1' };
    const result = evaluateAccess(subscribed(limits, sub), KEY, NOW);
    expect(result.ok ? '' : result.message).toContain('the weekly limit');
  });

  it('no limit means any usage is fine', () => {
    const sub = subscription({
      daily_usage_usd: '1000',
      weekly_usage_usd: '1000',
      monthly_usage_usd: '1000',
    });
    expect(evaluateAccess(subscribed({ daily_limit_usd: null }, sub), KEY, NOW).ok).toBe(true);
  });

  it('balance does not matter in subscription mode', () => {
    expect(evaluateAccess(subscribed({}, subscription()), KEY, NOW).ok).toBe(true);
  });
});

describe('subscription period and status', () => {
  it.each([
    ['expired', { expires_at: at(-1) }, `subscription sub_1 expired at ${at(-1)}`],
    ['ends exactly now', { expires_at: NOW }, `subscription sub_1 expired at ${NOW}`],
    ['not started', { starts_at: at(HOUR) }, `subscription sub_1 starts at ${at(HOUR)}`],
    ['suspended', { status: 'suspended' as const }, 'subscription sub_1 is suspended'],
    ['marked expired early', { status: 'expired' as const }, 'subscription sub_1 is expired'],
  ])('%s → NO_ACTIVE_SUBSCRIPTION', (_name, o, why) => {
    const result = evaluateAccess(subscribed({}, subscription(o)), KEY, NOW);
    expect(result).toMatchObject({
      reason: 'NO_ACTIVE_SUBSCRIPTION',
      ids: { user_id: 'usr_1', group_id: 'grp_1', subscription_id: 'sub_1' },
      message: `user usr_1 has no active subscription to group grp_1; ${why} (create or renew a subscription)`,
    });
  });

  it('starts exactly now → active', () => {
    expect(evaluateAccess(subscribed({}, subscription({ starts_at: NOW })), KEY, NOW).ok).toBe(true);
  });

  it("another user's or another group's subscription does not count", () => {
    const w = subscribed(
      {},
      subscription({ id: 'sub_a', user_id: 'usr_other' }),
      subscription({ id: 'sub_b', group_id: 'grp_other' }),
    );
    expect(evaluateAccess(w, KEY, NOW)).toMatchObject({
      reason: 'NO_ACTIVE_SUBSCRIPTION',
      ids: { user_id: 'usr_1', group_id: 'grp_1' },
    });
  });

  it('an active subscription next to an expired one is used, with its own windows', () => {
    const w = subscribed(
      { daily_limit_usd: '1' },
      subscription({ id: 'sub_old', expires_at: at(-DAY), daily_usage_usd: '0' }),
      subscription({ id: 'sub_new', daily_usage_usd: '1' }),
    );
    expect(evaluateAccess(w, KEY, NOW)).toMatchObject({
      reason: 'SUBSCRIPTION_LIMIT_EXCEEDED',
      ids: { subscription_id: 'sub_new' },
    });
  });

  it('reports the latest of several inactive subscriptions', () => {
    const w = subscribed(
      {},
      subscription({ id: 'sub_a', expires_at: at(-2 * DAY) }),
      subscription({ id: 'sub_b', expires_at: at(-DAY) }),
    );
    expect(evaluateAccess(w, KEY, NOW)).toMatchObject({ ids: { subscription_id: 'sub_b' } });
  });
});
