import type {
  ChannelGroup,
  ChannelGroupCreate,
  ChannelGroupListQuery,
  ChannelGroupUpdate,
} from '@relay/schemas';
import { AdminError } from '../errors.ts';
import { type ChannelGroupInsert, type ChannelGroupRow, ID_PREFIX, newId } from '../store/index.ts';
import { pageRequestOf, requireReference } from './crud.ts';
import { presentChannelGroup } from './present.ts';
import type { ResourceDefinition } from './resource-definition.ts';

export const channelGroupResource: ResourceDefinition<
  ChannelGroupRow,
  ChannelGroupInsert,
  ChannelGroup,
  ChannelGroupCreate,
  ChannelGroupUpdate,
  ChannelGroupListQuery
> = {
  type: 'channel-groups',
  noun: 'channel-group binding',
  repository: (store) => store.channelGroups,
  present: presentChannelGroup,
  /** A group belongs to at most one channel: a second binding is 409 CONFLICT naming the first. */
  insert: async (tx, input) => {
    requireReference(await tx.channels.get(input.channel_id), 'channel', input.channel_id, 'channel_id');
    requireReference(await tx.groups.get(input.group_id), 'group', input.group_id, 'group_id');
    const [existing] = await tx.channelGroups.listAll({ groupId: input.group_id });
    if (existing) {
      const code = existing.channelId === input.channel_id ? 'ALREADY_EXISTS' : 'CONFLICT';
      throw new AdminError(code, `group ${input.group_id} already belongs to channel ${existing.channelId}`, {
        channel_group_id: existing.id,
        channel_id: existing.channelId,
      });
    }
    return tx.channelGroups.insert({
      id: newId(ID_PREFIX.channelGroup),
      channelId: input.channel_id,
      groupId: input.group_id,
      labels: input.labels,
    });
  },
  patch: async (_tx, _before, input) => (input.labels === undefined ? {} : { labels: input.labels }),
  list: (store, query) =>
    store.channelGroups.list({ channelId: query.channel_id, groupId: query.group_id }, pageRequestOf(query)),
};
