import type { AccessSnapshot } from '@relay/bindings';
import type { Store } from '../store/index.ts';
import {
  presentAccount,
  presentAccountGroup,
  presentApiKey,
  presentChannel,
  presentChannelGroup,
  presentGroup,
  presentPrice,
  presentSubscription,
  presentUser,
} from './present.ts';

/**
 * The part of the live state that decides access for one group or one key, read from the store now
 * (no cache) and shaped as the admin API shows it, which is the shape @relay/bindings reads.
 */
export async function loadAccessSnapshot(
  store: Store,
  target: { groupId?: string | undefined; apiKeyId?: string | undefined },
): Promise<AccessSnapshot> {
  const snapshot: {
    [K in keyof AccessSnapshot]: AccessSnapshot[K][number][];
  } = {
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

  let groupId = target.groupId;
  if (target.apiKeyId !== undefined) {
    const key = await store.apiKeys.get(target.apiKeyId);
    if (key) {
      snapshot.apiKeys.push(presentApiKey(key));
      groupId = key.groupId;
      const user = await store.users.get(key.userId);
      if (user) snapshot.users.push(presentUser(user));
      const subscriptions = await store.subscriptions.listAll({ userId: key.userId, groupId: key.groupId });
      snapshot.subscriptions.push(...subscriptions.map(presentSubscription));
    }
  }
  if (groupId === undefined) return snapshot;

  const group = await store.groups.get(groupId);
  if (group) snapshot.groups.push(presentGroup(group));
  const bindings = await store.accountGroups.listAll({ groupId });
  snapshot.accountGroups.push(...bindings.map(presentAccountGroup));
  const accounts = await store.accounts.getMany([...new Set(bindings.map((b) => b.accountId))]);
  snapshot.accounts.push(...accounts.map(presentAccount));
  const channelLinks = await store.channelGroups.listAll({ groupId });
  snapshot.channelGroups.push(...channelLinks.map(presentChannelGroup));
  for (const link of channelLinks) {
    const channel = await store.channels.get(link.channelId);
    if (channel) snapshot.channels.push(presentChannel(channel));
    const prices = await store.prices.listAll({ channelId: link.channelId });
    snapshot.prices.push(...prices.map(presentPrice));
  }
  return snapshot;
}
