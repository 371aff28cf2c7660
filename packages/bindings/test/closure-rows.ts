import type { ClosureGap, ReasonCode } from '../src/index.ts';
import { account, at, binding, channel, channelBinding, get, HOUR, type World } from './fixtures.ts';

/** One row per link the closure report can list for grp_1; `missing` is the whole expected report. */
export interface ClosureRow {
  name: string;
  build: (w: World) => void;
  /** The reason this row is about (others may be listed too). */
  reason: ReasonCode;
  routable: boolean;
  missing: ClosureGap[];
}

export const CLOSURE_ROWS: ClosureRow[] = [
  {
    name: 'group that does not exist',
    build: (w) => {
      w.groups.length = 0;
    },
    reason: 'GROUP_NOT_FOUND',
    routable: false,
    missing: [
      { reason: 'GROUP_NOT_FOUND', ids: { group_id: 'grp_1' }, message: 'group grp_1 does not exist' },
    ],
  },
  {
    name: 'disabled group',
    build: (w) => {
      get(w.groups, 'grp_1').status = 'disabled';
    },
    reason: 'GROUP_DISABLED',
    routable: false,
    missing: [
      {
        reason: 'GROUP_DISABLED',
        ids: { group_id: 'grp_1' },
        message: 'group grp_1 is disabled (enable the group)',
      },
    ],
  },
  {
    name: 'channel binding to a missing channel',
    build: (w) => {
      w.channelGroups.push(channelBinding('chn_gone', 'grp_1'));
    },
    reason: 'CHANNEL_NOT_FOUND',
    routable: false,
    missing: [
      {
        reason: 'CHANNEL_NOT_FOUND',
        ids: { group_id: 'grp_1', channel_id: 'chn_gone', channel_group_id: 'cgb_1' },
        message:
          'group grp_1 is bound by cgb_1 to channel chn_gone, which does not exist (delete the channel binding)',
      },
    ],
  },
  {
    name: 'restricting channel without prices',
    build: (w) => {
      w.channels.push(channel({ restrict_models: true }));
      w.channelGroups.push(channelBinding('chn_1', 'grp_1'));
    },
    reason: 'CHANNEL_HAS_NO_PRICED_MODELS',
    routable: true,
    missing: [
      {
        reason: 'CHANNEL_HAS_NO_PRICED_MODELS',
        ids: { group_id: 'grp_1', channel_id: 'chn_1' },
        message:
          'channel chn_1 of group grp_1 restricts models but prices none (add prices to the channel or turn off restrict_models)',
      },
    ],
  },
  {
    name: 'group without accounts',
    build: (w) => {
      w.accountGroups.length = 0;
    },
    reason: 'GROUP_HAS_NO_ACCOUNTS',
    routable: false,
    missing: [
      {
        reason: 'GROUP_HAS_NO_ACCOUNTS',
        ids: { group_id: 'grp_1' },
        message: 'group grp_1 has no accounts bound (bind an account to the group)',
      },
    ],
  },
  {
    name: 'binding pointing at a missing account, next to a good one',
    build: (w) => {
      w.accountGroups.push(binding('acc_gone', 'grp_1'));
    },
    reason: 'BINDING_ACCOUNT_NOT_FOUND',
    routable: true,
    missing: [
      {
        reason: 'BINDING_ACCOUNT_NOT_FOUND',
        ids: { group_id: 'grp_1', account_group_id: 'agb_acc_gone_grp_1', account_id: 'acc_gone' },
        message:
          'binding agb_acc_gone_grp_1 binds group grp_1 to account acc_gone, which does not exist (delete the binding)',
      },
    ],
  },
  {
    name: 'the only bound account in error',
    build: (w) => {
      Object.assign(get(w.accounts, 'acc_1'), { status: 'error', last_error: 'upstream 401: invalid key' });
    },
    reason: 'ACCOUNT_NOT_ACTIVE',
    routable: false,
    missing: [
      {
        reason: 'NO_ACTIVE_ACCOUNTS',
        ids: { group_id: 'grp_1', account_ids: ['acc_1'] },
        message:
          'group grp_1 has no active schedulable account (acc_1 has status error (last error: upstream 401: invalid key); enable an account or make it schedulable)',
      },
      {
        reason: 'ACCOUNT_NOT_ACTIVE',
        ids: { group_id: 'grp_1', account_id: 'acc_1', account_group_id: 'agb_acc_1_grp_1' },
        message:
          'account acc_1 bound to group grp_1 has status error, last error: upstream 401: invalid key (fix and re-enable the account)',
      },
    ],
  },
  {
    name: 'an unschedulable account next to a good one',
    build: (w) => {
      w.accounts.push(account({ id: 'acc_2', schedulable: false }));
      w.accountGroups.push(binding('acc_2', 'grp_1'));
    },
    reason: 'ACCOUNT_UNSCHEDULABLE',
    routable: true,
    missing: [
      {
        reason: 'ACCOUNT_UNSCHEDULABLE',
        ids: { group_id: 'grp_1', account_id: 'acc_2', account_group_id: 'agb_acc_2_grp_1' },
        message: 'account acc_2 bound to group grp_1 is not schedulable (set schedulable to true)',
      },
    ],
  },
  {
    name: 'an account of another platform',
    build: (w) => {
      get(w.accounts, 'acc_1').platform = 'anthropic';
    },
    reason: 'ACCOUNT_PLATFORM_MISMATCH',
    routable: false,
    missing: [
      {
        reason: 'PLATFORM_MISMATCH',
        ids: { group_id: 'grp_1', account_ids: ['acc_1'] },
        message:
          'group grp_1 is on platform openai but none of its active accounts is (acc_1 is anthropic; bind an openai account)',
      },
      {
        reason: 'ACCOUNT_PLATFORM_MISMATCH',
        ids: { group_id: 'grp_1', account_id: 'acc_1', account_group_id: 'agb_acc_1_grp_1' },
        message:
          'account acc_1 (anthropic) is bound to group grp_1 (openai) and can never serve it (bind an openai account instead)',
      },
    ],
  },
  {
    name: 'the only account cooling down',
    build: (w) => {
      Object.assign(get(w.accounts, 'acc_1'), { cooldown_until: at(HOUR), cooldown_reason: 'upstream 429' });
    },
    reason: 'ACCOUNT_COOLING_DOWN',
    routable: false,
    missing: [
      {
        reason: 'ALL_ACCOUNTS_COOLING_DOWN',
        ids: { group_id: 'grp_1', account_ids: ['acc_1'] },
        message: `all accounts of group grp_1 are cooling down (acc_1 cools down until ${at(HOUR)} (upstream 429); retry after ${at(HOUR)} or clear a cooldown)`,
      },
      {
        reason: 'ACCOUNT_COOLING_DOWN',
        ids: { group_id: 'grp_1', account_id: 'acc_1', account_group_id: 'agb_acc_1_grp_1' },
        message: `account acc_1 bound to group grp_1 is cooling down until ${at(HOUR)}: upstream 429`,
      },
    ],
  },
];
