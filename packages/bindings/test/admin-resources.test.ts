import type {
  Account,
  AccountGroup,
  AccessQuery as AdminAccessQuery,
  ApiKey,
  Channel,
  ChannelGroup,
  Group,
  Price,
  User,
} from '@relay/schemas';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  type AccessQuery,
  evaluateAccess,
  type SnapshotAccount,
  type SnapshotAccountGroup,
  type SnapshotApiKey,
  type SnapshotChannel,
  type SnapshotChannelGroup,
  type SnapshotGroup,
  type SnapshotPrice,
  type SnapshotUser,
} from '../src/index.ts';
import { NOW } from './fixtures.ts';

const base = { created_at: NOW, updated_at: NOW, version: 1, labels: {} };

describe('admin API resources feed the snapshot as they are', () => {
  it('each admin resource type is assignable to its snapshot type', () => {
    expectTypeOf<User>().toExtend<SnapshotUser>();
    expectTypeOf<Group>().toExtend<SnapshotGroup>();
    expectTypeOf<Account>().toExtend<SnapshotAccount>();
    expectTypeOf<AccountGroup>().toExtend<SnapshotAccountGroup>();
    expectTypeOf<ApiKey>().toExtend<SnapshotApiKey>();
    expectTypeOf<Channel>().toExtend<SnapshotChannel>();
    expectTypeOf<ChannelGroup>().toExtend<SnapshotChannelGroup>();
    expectTypeOf<Price>().toExtend<SnapshotPrice>();
    expectTypeOf<AdminAccessQuery>().toExtend<AccessQuery>();
  });

  it('a snapshot built from admin listings is evaluated', () => {
    const users: User[] = [
      {
        ...base,
        id: 'usr_1',
        name: 'u',
        email: null,
        status: 'active',
        balance_usd: '1.5',
        concurrency_limit: 10,
        rpm_limit: 0,
      },
    ];
    const groups: Group[] = [
      {
        ...base,
        id: 'grp_1',
        name: 'deepseek',
        platform: 'openai',
        status: 'active',
        billing_mode: 'balance',
        rate_multiplier: '1',
        rpm_limit: 0,
        tpm_limit: 0,
        daily_limit_usd: null,
        weekly_limit_usd: null,
        monthly_limit_usd: null,
        model_aliases: {},
      },
    ];
    const apiKeys: ApiKey[] = [
      {
        ...base,
        id: 'key_1',
        user_id: 'usr_1',
        group_id: 'grp_1',
        name: 'k',
        key_prefix: 'sk-relay-ab',
        status: 'active',
        expires_at: null,
        quota_usd: null,
        quota_used_usd: '0',
        rpm_limit: 0,
        tpm_limit: 0,
        concurrency_limit: 0,
        allowed_models: null,
        ip_allow: [],
        ip_deny: [],
        last_used_at: null,
        rotated_from: null,
        grace_until: null,
      },
    ];
    const snapshot = {
      users,
      groups,
      accounts: [] as Account[],
      accountGroups: [] as AccountGroup[],
      apiKeys,
      channels: [] as Channel[],
      channelGroups: [] as ChannelGroup[],
      prices: [] as Price[],
      subscriptions: [],
    };
    expect(evaluateAccess(snapshot, { api_key_id: 'key_1', model: 'deepseek-chat' }, NOW)).toMatchObject({
      reason: 'GROUP_HAS_NO_ACCOUNTS',
      ids: { group_id: 'grp_1' },
    });
  });
});
