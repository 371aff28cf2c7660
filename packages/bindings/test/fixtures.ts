import type {
  AccessSnapshot,
  SnapshotAccount,
  SnapshotAccountGroup,
  SnapshotApiKey,
  SnapshotChannel,
  SnapshotChannelGroup,
  SnapshotGroup,
  SnapshotPrice,
  SnapshotSubscription,
  SnapshotUser,
} from '../src/index.ts';

/** The instant every test evaluates at unless it says otherwise. */
export const NOW = '2026-06-04T12:00:00.000Z';

/** `NOW` shifted by `ms` (negative = earlier), as an ISO string. */
export function at(ms: number): string {
  return new Date(Date.parse(NOW) + ms).toISOString();
}
export const HOUR = 60 * 60 * 1000;
export const DAY = 24 * HOUR;

/** A snapshot whose arrays tests may push to and edit in place. */
export interface World {
  users: SnapshotUser[];
  groups: SnapshotGroup[];
  accounts: SnapshotAccount[];
  accountGroups: SnapshotAccountGroup[];
  apiKeys: SnapshotApiKey[];
  channels: SnapshotChannel[];
  channelGroups: SnapshotChannelGroup[];
  prices: SnapshotPrice[];
  subscriptions: SnapshotSubscription[];
}

export const user = (o: Partial<SnapshotUser> = {}): SnapshotUser => ({
  id: 'usr_1',
  status: 'active',
  balance_usd: '10.00',
  ...o,
});

export const group = (o: Partial<SnapshotGroup> = {}): SnapshotGroup => ({
  id: 'grp_1',
  name: 'g1',
  platform: 'openai',
  status: 'active',
  billing_mode: 'balance',
  model_aliases: {},
  ...o,
});

export const account = (o: Partial<SnapshotAccount> = {}): SnapshotAccount => ({
  id: 'acc_1',
  platform: 'openai',
  status: 'active',
  schedulable: true,
  models: [],
  model_mapping: {},
  priority: 50,
  weight: 1,
  cooldown_until: null,
  ...o,
});

export const binding = (
  account_id: string,
  group_id: string,
  o: Partial<SnapshotAccountGroup> = {},
): SnapshotAccountGroup => ({ id: `agb_${account_id}_${group_id}`, account_id, group_id, ...o });

export const apiKey = (o: Partial<SnapshotApiKey> = {}): SnapshotApiKey => ({
  id: 'key_1',
  user_id: 'usr_1',
  group_id: 'grp_1',
  status: 'active',
  expires_at: null,
  quota_usd: null,
  quota_used_usd: '0',
  allowed_models: null,
  ...o,
});

export const channel = (o: Partial<SnapshotChannel> = {}): SnapshotChannel => ({
  id: 'chn_1',
  status: 'active',
  restrict_models: false,
  model_mapping: {},
  ...o,
});

export const channelBinding = (channel_id: string, group_id: string, id = 'cgb_1'): SnapshotChannelGroup => ({
  id,
  channel_id,
  group_id,
});

export const price = (model: string, channel_id: string | null = null): SnapshotPrice => ({
  model,
  channel_id,
});

export const subscription = (o: Partial<SnapshotSubscription> = {}): SnapshotSubscription => ({
  id: 'sub_1',
  user_id: 'usr_1',
  group_id: 'grp_1',
  starts_at: at(-10 * DAY),
  expires_at: at(20 * DAY),
  ...o,
});

export function emptyWorld(): World {
  return {
    users: [],
    groups: [],
    accounts: [],
    accountGroups: [],
    apiKeys: [],
    channels: [],
    channelGroups: [],
    prices: [],
    subscriptions: [],
  };
}

/**
 * The smallest snapshot where traffic flows: key_1 (usr_1) → grp_1 (openai, balance mode) ← acc_1.
 * Rows break one link of it.
 */
export function healthyWorld(): World {
  const w = emptyWorld();
  w.users.push(user());
  w.groups.push(group());
  w.accounts.push(account());
  w.accountGroups.push(binding('acc_1', 'grp_1'));
  w.apiKeys.push(apiKey());
  return w;
}

/** Finds a resource by id in a world, failing the test loudly when absent. */
export function get<T extends { id?: string }>(items: T[], id: string): T {
  const found = items.find((i) => i.id === id);
  if (!found) throw new Error(`fixture has no ${id}`);
  return found;
}

/** Typed as the readonly snapshot the package takes, to prove a World is one. */
export function snapshot(w: World): AccessSnapshot {
  return w;
}
