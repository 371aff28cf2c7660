import { activeGroupChannel } from './group-channel.ts';
import type { AccessSnapshot, SnapshotAccount, SnapshotGroup } from './snapshot.ts';

/**
 * The model name a request enters the group's channel with: the group's alias of the requested
 * (public) name, or the requested name itself. Channel restriction (restrict_models) checks this name
 * against the channel's prices.
 */
export function applyGroupAlias(group: SnapshotGroup, requestedModel: string): string {
  return lookup(group.model_aliases, requestedModel) ?? requestedModel;
}

/**
 * The upstream model id `account` is asked for when a client requests `requestedModel` through
 * `group`, or null when the account does not serve it. Exact, case-sensitive, one lookup per step:
 *
 * 1. group `model_aliases[requested]` (public name → model name), else the requested name;
 * 2. the group's channel `model_mapping[step 1]`, only when the group is bound to an active channel;
 * 3. the account's `model_mapping[step 2]`;
 * 4. the account's `models` allowlist of upstream ids: when non-empty, step 3 must be in it.
 *
 * Status, platform and cooldown are not looked at (that is evaluateAccess's job), nor the channel's
 * `restrict_models` (a group-level check, see applyGroupAlias).
 */
export function resolveModel(
  snapshot: AccessSnapshot,
  group: SnapshotGroup,
  account: SnapshotAccount,
  requestedModel: string,
): string | null {
  const aliased = applyGroupAlias(group, requestedModel);
  const channel = activeGroupChannel(snapshot, group.id);
  const channelMapped = lookup(channel?.model_mapping, aliased) ?? aliased;
  const upstream = lookup(account.model_mapping, channelMapped) ?? channelMapped;
  const allowlist = account.models;
  if (allowlist && allowlist.length > 0 && !allowlist.includes(upstream)) return null;
  return upstream;
}

/** Own-property lookup, so a model named like `constructor` never hits Object.prototype. */
function lookup(map: Readonly<Record<string, string>> | null | undefined, key: string): string | undefined {
  if (!map || !Object.hasOwn(map, key)) return undefined;
  return map[key];
}
