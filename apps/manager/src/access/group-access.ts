import type { AccessSnapshot, ClosureGap, ReasonIds } from '@relay/bindings';
import { evaluateGroupClosure } from '@relay/bindings';
import type { LiveResource, RemoteResources } from '../engine/remote-resources.ts';

/** One missing or broken link of a group (packages/bindings reasons, plus the manager's own two). */
export type AccessGap = {
  reason: ClosureGap['reason'] | 'BINDING_MISSING' | 'MANAGED_ACCOUNT_MISSING';
  message: string;
  ids: ReasonIds & { natural_key?: string };
};

export type GroupAccessReport = {
  group_id: string;
  natural_key: string;
  ok: boolean;
  /** Traffic can flow through the group now (packages/bindings' verdict). */
  routable: boolean;
  missing: AccessGap[];
};

/** A binding the manager recorded: this account must stay bound to this group. */
export type ExpectedEdge = { natural_key: string; account_id: string; group_id: string };

/**
 * The live access closure of one group: packages/bindings' evaluateGroupClosure over the group, its bound
 * accounts and bindings, its channel and the channel's prices as the admin API lists them now, plus every
 * recorded binding of the manager that is gone (`BINDING_MISSING`) — the seed incident's `account 7 → group 3`.
 */
export async function evaluateGroupAccess(
  remote: RemoteResources,
  group: { group_id: string; natural_key: string },
  expected: readonly ExpectedEdge[],
  now: Date,
): Promise<GroupAccessReport> {
  const live = await remote.get('group', group.group_id);
  const [accounts, bindings, channelLinks] =
    live === undefined
      ? [[], [], []]
      : await Promise.all([
          remote.list('account', { group_id: group.group_id }),
          remote.list('account_group', { group_id: group.group_id }),
          remote.client.channelGroups.listAll({ group_id: group.group_id }),
        ]);
  const channels: LiveResource[] = [];
  const prices: LiveResource[] = [];
  for (const link of channelLinks) {
    const channel = await remote.get('channel', link.channel_id);
    if (channel !== undefined) channels.push(channel);
    prices.push(...(await remote.list('price', { channel_id: link.channel_id })));
  }
  const snapshot = {
    users: [],
    groups: live === undefined ? [] : [live],
    accounts,
    accountGroups: bindings,
    apiKeys: [],
    channels,
    channelGroups: channelLinks,
    prices,
    subscriptions: [],
  } as unknown as AccessSnapshot;
  const report = evaluateGroupClosure(snapshot, group.group_id, now);
  const missing: AccessGap[] = report.missing.map((gap) => ({
    reason: gap.reason,
    message: gap.message,
    ids: gap.ids,
  }));

  if (live !== undefined) {
    for (const edge of expected) {
      if (bindings.some((b) => b.account_id === edge.account_id && b.group_id === edge.group_id)) continue;
      const account =
        accounts.find((a) => a.id === edge.account_id) ?? (await remote.get('account', edge.account_id));
      const ids = { group_id: group.group_id, account_id: edge.account_id, natural_key: edge.natural_key };
      missing.push(
        account === undefined
          ? {
              reason: 'MANAGED_ACCOUNT_MISSING',
              message: `account ${edge.account_id} (recorded as ${edge.natural_key}) is gone from the host: reconcile in repair mode recreates it`,
              ids,
            }
          : {
              reason: 'BINDING_MISSING',
              message: `account ${edge.account_id} is not bound to group ${group.group_id} any more (recorded as ${edge.natural_key}): POST /api/access/repair binds it again`,
              ids,
            },
      );
    }
  }
  return {
    group_id: group.group_id,
    natural_key: group.natural_key,
    ok: missing.length === 0,
    routable: report.routable,
    missing,
  };
}
