import type { AccessSnapshot, SnapshotChannel } from './snapshot.ts';

/** How a group relates to its (at most one) channel. */
export type GroupChannelLink =
  | { state: 'none' }
  /** The channel binding points at a channel that does not exist. */
  | { state: 'missing'; channel_group_id: string; channel_id: string }
  | { state: 'bound'; channel_group_id: string; channel: SnapshotChannel };

/**
 * The channel binding of a group. A group belongs to at most one channel; should a snapshot hold
 * several bindings anyway, the one with the smallest id (the oldest) wins so results are stable.
 */
export function findGroupChannel(snapshot: AccessSnapshot, group_id: string): GroupChannelLink {
  let binding: { id: string; channel_id: string } | undefined;
  for (const cgb of snapshot.channelGroups) {
    if (cgb.group_id === group_id && (binding === undefined || cgb.id < binding.id)) binding = cgb;
  }
  if (binding === undefined) return { state: 'none' };
  const channelId = binding.channel_id;
  const channel = snapshot.channels.find((c) => c.id === channelId);
  if (channel === undefined) return { state: 'missing', channel_group_id: binding.id, channel_id: channelId };
  return { state: 'bound', channel_group_id: binding.id, channel };
}

/**
 * The channel whose overlay (model mapping, model restriction) applies to the group's traffic:
 * the bound channel when it is active. A disabled channel is switched off, not a broken link.
 */
export function activeGroupChannel(snapshot: AccessSnapshot, group_id: string): SnapshotChannel | null {
  const link = findGroupChannel(snapshot, group_id);
  return link.state === 'bound' && link.channel.status === 'active' ? link.channel : null;
}

/** True when the channel has a price row for exactly this model name. */
export function isPricedInChannel(snapshot: AccessSnapshot, channel_id: string, model: string): boolean {
  return snapshot.prices.some((p) => p.channel_id === channel_id && p.model === model);
}
