import type { AccessQuery, ReasonCategory, ReasonCode, ReasonIds } from '../src/index.ts';
import {
  account,
  at,
  binding,
  channel,
  channelBinding,
  DAY,
  get,
  HOUR,
  price,
  subscription,
  type World,
} from './fixtures.ts';

/** One row per way a key's chain breaks: a healthy world with one link broken, and what must be reported. */
export interface AccessRow {
  name: string;
  /** Breaks one link of the healthy world. */
  build: (w: World) => void;
  query?: AccessQuery;
  reason: ReasonCode;
  ids: ReasonIds;
  message: string;
  category?: ReasonCategory;
}

export const KEY: AccessQuery = { api_key_id: 'key_1' };
export const KEY_GPT: AccessQuery = { api_key_id: 'key_1', model: 'gpt-5.4' };

export const ACCESS_ROWS: AccessRow[] = [
  {
    name: 'unknown key',
    build: () => {},
    query: { api_key_id: 'key_nope' },
    reason: 'KEY_NOT_FOUND',
    ids: { api_key_id: 'key_nope' },
    message: 'api key key_nope does not exist',
    category: 'key',
  },
  {
    name: 'disabled key',
    build: (w) => {
      get(w.apiKeys, 'key_1').status = 'disabled';
    },
    reason: 'KEY_DISABLED',
    ids: { api_key_id: 'key_1' },
    message: 'api key key_1 is disabled (enable the key)',
    category: 'key',
  },
  {
    name: 'revoked key',
    build: (w) => {
      get(w.apiKeys, 'key_1').status = 'revoked';
    },
    reason: 'KEY_REVOKED',
    ids: { api_key_id: 'key_1' },
    message: 'api key key_1 is revoked (issue a new key)',
  },
  {
    name: 'expired key',
    build: (w) => {
      get(w.apiKeys, 'key_1').expires_at = at(-HOUR);
    },
    reason: 'KEY_EXPIRED',
    ids: { api_key_id: 'key_1' },
    message: `api key key_1 expired at ${at(-HOUR)} (extend expires_at or issue a new key)`,
  },
  {
    name: 'rotated key past its grace period',
    build: (w) => {
      get(w.apiKeys, 'key_1').grace_until = at(-1);
    },
    reason: 'KEY_EXPIRED',
    ids: { api_key_id: 'key_1' },
    message: `api key key_1 was rotated and its grace period ended at ${at(-1)} (use the rotated key)`,
  },
  {
    name: 'key quota used up (exact decimal comparison)',
    build: (w) => {
      Object.assign(get(w.apiKeys, 'key_1'), { quota_usd: '5.1', quota_used_usd: '5.100000' });
    },
    reason: 'KEY_QUOTA_EXCEEDED',
    ids: { api_key_id: 'key_1' },
    message: 'api key key_1 used 5.100000 of its 5.1 USD quota (raise quota_usd)',
    category: 'billing',
  },
  {
    name: 'model outside the key allowed_models',
    build: (w) => {
      get(w.apiKeys, 'key_1').allowed_models = ['gpt-5.4-mini', 'o3'];
    },
    query: KEY_GPT,
    reason: 'KEY_MODEL_NOT_ALLOWED',
    ids: { api_key_id: 'key_1' },
    message: 'api key key_1 may not use model gpt-5.4 (allowed_models: gpt-5.4-mini, o3)',
    category: 'model',
  },
  {
    name: 'key without a group',
    build: (w) => {
      get(w.apiKeys, 'key_1').group_id = null;
    },
    reason: 'KEY_NOT_BOUND',
    ids: { api_key_id: 'key_1' },
    message: "api key key_1 is not bound to a group (set the key's group_id)",
    category: 'routing',
  },
  {
    name: 'key bound to a group that does not exist',
    build: (w) => {
      get(w.apiKeys, 'key_1').group_id = 'grp_gone';
    },
    reason: 'KEY_NOT_BOUND',
    ids: { api_key_id: 'key_1', group_id: 'grp_gone' },
    message:
      'api key key_1 is bound to group grp_gone, which does not exist (bind the key to an existing group)',
  },
  {
    name: 'key queried against another group',
    build: (w) => {
      w.groups.push({ ...get(w.groups, 'grp_1'), id: 'grp_2' });
    },
    query: { api_key_id: 'key_1', group_id: 'grp_2' },
    reason: 'KEY_NOT_BOUND',
    ids: { api_key_id: 'key_1', group_id: 'grp_1' },
    message: 'api key key_1 is bound to group grp_1, not to group grp_2',
  },
  {
    name: 'key of a user that does not exist',
    build: (w) => {
      get(w.apiKeys, 'key_1').user_id = 'usr_gone';
    },
    reason: 'USER_NOT_FOUND',
    ids: { api_key_id: 'key_1', user_id: 'usr_gone' },
    message: 'user usr_gone of api key key_1 does not exist',
    category: 'user',
  },
  {
    name: 'disabled user',
    build: (w) => {
      get(w.users, 'usr_1').status = 'disabled';
    },
    reason: 'USER_DISABLED',
    ids: { api_key_id: 'key_1', user_id: 'usr_1' },
    message: 'user usr_1 is disabled (enable the user)',
  },
  {
    name: 'zero balance in balance mode',
    build: (w) => {
      get(w.users, 'usr_1').balance_usd = '0.000000';
    },
    reason: 'INSUFFICIENT_BALANCE',
    ids: { user_id: 'usr_1', group_id: 'grp_1' },
    message:
      'user usr_1 has a balance of 0.000000 USD and group grp_1 bills from the balance (top up the balance)',
    category: 'billing',
  },
  {
    name: 'negative balance',
    build: (w) => {
      get(w.users, 'usr_1').balance_usd = '-0.01';
    },
    reason: 'INSUFFICIENT_BALANCE',
    ids: { user_id: 'usr_1', group_id: 'grp_1' },
    message:
      'user usr_1 has a balance of -0.01 USD and group grp_1 bills from the balance (top up the balance)',
  },
  {
    name: 'subscription mode without any subscription',
    build: (w) => {
      get(w.groups, 'grp_1').billing_mode = 'subscription';
    },
    reason: 'NO_ACTIVE_SUBSCRIPTION',
    ids: { user_id: 'usr_1', group_id: 'grp_1' },
    message: 'user usr_1 has no active subscription to group grp_1 (create or renew a subscription)',
    category: 'billing',
  },
  {
    name: 'subscription mode with an expired subscription',
    build: (w) => {
      get(w.groups, 'grp_1').billing_mode = 'subscription';
      w.subscriptions.push(subscription({ expires_at: at(-DAY) }));
    },
    reason: 'NO_ACTIVE_SUBSCRIPTION',
    ids: { user_id: 'usr_1', group_id: 'grp_1', subscription_id: 'sub_1' },
    message: `user usr_1 has no active subscription to group grp_1; subscription sub_1 expired at ${at(-DAY)} (create or renew a subscription)`,
  },
  {
    name: 'subscription window limit reached',
    build: (w) => {
      Object.assign(get(w.groups, 'grp_1'), { billing_mode: 'subscription', daily_limit_usd: '2.00' });
      w.subscriptions.push(subscription({ daily_usage_usd: '2', daily_window_start: at(-2 * HOUR) }));
    },
    reason: 'SUBSCRIPTION_LIMIT_EXCEEDED',
    ids: { user_id: 'usr_1', group_id: 'grp_1', subscription_id: 'sub_1' },
    message: `subscription sub_1 used 2 of the daily limit of 2.00 USD of group grp_1 (raise daily_limit_usd; the window resets at ${at(22 * HOUR)})`,
    category: 'billing',
  },
  {
    name: 'group query for a group that does not exist',
    build: () => {},
    query: { group_id: 'grp_gone' },
    reason: 'GROUP_NOT_FOUND',
    ids: { group_id: 'grp_gone' },
    message: 'group grp_gone does not exist',
    category: 'routing',
  },
  {
    name: 'disabled group',
    build: (w) => {
      get(w.groups, 'grp_1').status = 'disabled';
    },
    reason: 'GROUP_DISABLED',
    ids: { group_id: 'grp_1' },
    message: 'group grp_1 is disabled (enable the group)',
  },
  {
    name: 'channel binding to a channel that does not exist',
    build: (w) => {
      w.channelGroups.push(channelBinding('chn_gone', 'grp_1', 'cgb_9'));
    },
    reason: 'CHANNEL_NOT_FOUND',
    ids: { group_id: 'grp_1', channel_id: 'chn_gone', channel_group_id: 'cgb_9' },
    message:
      'group grp_1 is bound by cgb_9 to channel chn_gone, which does not exist (delete the channel binding)',
  },
  {
    name: 'channel restricts models and does not price the model',
    build: (w) => {
      w.channels.push(channel({ restrict_models: true }));
      w.channelGroups.push(channelBinding('chn_1', 'grp_1'));
      w.prices.push(price('gpt-5.4-mini', 'chn_1'), price('gpt-5.4'));
    },
    query: KEY_GPT,
    reason: 'CHANNEL_RESTRICTS_MODEL',
    ids: { group_id: 'grp_1', channel_id: 'chn_1' },
    message:
      'channel chn_1 of group grp_1 restricts models and does not price model gpt-5.4 (add a price for gpt-5.4 to the channel or turn off restrict_models)',
    category: 'model',
  },
  {
    name: 'group without bindings',
    build: (w) => {
      w.accountGroups.length = 0;
    },
    reason: 'GROUP_HAS_NO_ACCOUNTS',
    ids: { group_id: 'grp_1' },
    message: 'group grp_1 has no accounts bound (bind an account to the group)',
    category: 'routing',
  },
  {
    name: 'group whose only binding points at a missing account',
    build: (w) => {
      w.accounts.length = 0;
    },
    reason: 'GROUP_HAS_NO_ACCOUNTS',
    ids: { group_id: 'grp_1', account_group_ids: ['agb_acc_1_grp_1'] },
    message:
      'group grp_1 has no accounts bound (binding agb_acc_1_grp_1 points at missing account acc_1; bind an account to the group)',
  },
  {
    name: 'bound accounts disabled, in error or unschedulable',
    build: (w) => {
      get(w.accounts, 'acc_1').status = 'disabled';
      w.accounts.push(
        account({ id: 'acc_2', status: 'error', last_error: 'upstream 401' }),
        account({ id: 'acc_3', schedulable: false }),
      );
      w.accountGroups.push(binding('acc_2', 'grp_1'), binding('acc_3', 'grp_1'));
    },
    reason: 'NO_ACTIVE_ACCOUNTS',
    ids: { group_id: 'grp_1', account_ids: ['acc_1', 'acc_2', 'acc_3'] },
    message:
      'group grp_1 has no active schedulable account (acc_1 is disabled, acc_2 has status error (last error: upstream 401), acc_3 is not schedulable; enable an account or make it schedulable)',
  },
  {
    name: 'active accounts on another platform',
    build: (w) => {
      get(w.accounts, 'acc_1').platform = 'anthropic';
    },
    reason: 'PLATFORM_MISMATCH',
    ids: { group_id: 'grp_1', account_ids: ['acc_1'] },
    message:
      'group grp_1 is on platform openai but none of its active accounts is (acc_1 is anthropic; bind an openai account)',
  },
  {
    name: 'all accounts cooling down',
    build: (w) => {
      Object.assign(get(w.accounts, 'acc_1'), {
        cooldown_until: at(5 * 60_000),
        cooldown_reason: 'upstream 429',
      });
      w.accounts.push(account({ id: 'acc_2', cooldown_until: at(60_000) }));
      w.accountGroups.push(binding('acc_2', 'grp_1'));
    },
    reason: 'ALL_ACCOUNTS_COOLING_DOWN',
    ids: { group_id: 'grp_1', account_ids: ['acc_1', 'acc_2'] },
    message: `all accounts of group grp_1 are cooling down (acc_1 cools down until ${at(5 * 60_000)} (upstream 429), acc_2 cools down until ${at(60_000)}; retry after ${at(60_000)} or clear a cooldown)`,
  },
  {
    name: 'no account serves the model',
    build: (w) => {
      get(w.accounts, 'acc_1').models = ['deepseek-chat'];
    },
    query: KEY_GPT,
    reason: 'NO_ACCOUNT_SERVES_MODEL',
    ids: { group_id: 'grp_1', account_ids: ['acc_1'] },
    message:
      "no account of group grp_1 serves model gpt-5.4 (add it to an account's models or model_mapping, or alias it in the group's model_aliases)",
    category: 'model',
  },
];
