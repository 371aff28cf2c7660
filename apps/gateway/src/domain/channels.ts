import type { Channel, ChannelCreate, ChannelListQuery, ChannelUpdate } from '@relay/schemas';
import { type ChannelInsert, type ChannelRow, ID_PREFIX, newId } from '../store/index.ts';
import { pageRequestOf } from './crud.ts';
import { presentChannel, presentChannelGroup, presentPrice } from './present.ts';
import type { DependentBinding, ResourceDefinition } from './resource-definition.ts';

export const channelResource: ResourceDefinition<
  ChannelRow,
  ChannelInsert,
  Channel,
  ChannelCreate,
  ChannelUpdate,
  ChannelListQuery
> = {
  type: 'channels',
  noun: 'channel',
  repository: (store) => store.channels,
  present: presentChannel,
  insert: (tx, input) =>
    tx.channels.insert({
      id: newId(ID_PREFIX.channel),
      name: input.name,
      status: input.status,
      restrictModels: input.restrict_models,
      modelMapping: input.model_mapping,
      billingModel: input.billing_model,
      labels: input.labels,
    }),
  patch: async (_tx, _before, input) => {
    const patch: Partial<ChannelInsert> = {};
    if (input.name !== undefined) patch.name = input.name;
    if (input.status !== undefined) patch.status = input.status;
    if (input.restrict_models !== undefined) patch.restrictModels = input.restrict_models;
    if (input.model_mapping !== undefined) patch.modelMapping = input.model_mapping;
    if (input.billing_model !== undefined) patch.billingModel = input.billing_model;
    if (input.labels !== undefined) patch.labels = input.labels;
    return patch;
  },
  list: (store, query) =>
    store.channels.list({ status: query.status, name: query.name }, pageRequestOf(query)),
  /** Group bindings and the channel's own prices go with the channel on cascade. */
  dependents: async (tx, row) => {
    const groupBindings = await tx.channelGroups.listAll({ channelId: row.id });
    const channelPrices = await tx.prices.listAll({ channelId: row.id });
    const bindings: DependentBinding[] = [
      ...groupBindings.map((b) => ({
        type: 'channel-groups' as const,
        id: b.id,
        snapshot: presentChannelGroup(b),
        remove: async (t: typeof tx) => void (await t.channelGroups.delete(b.id)),
      })),
      ...channelPrices.map((p) => ({
        type: 'prices' as const,
        id: p.id,
        snapshot: presentPrice(p),
        remove: async (t: typeof tx) => void (await t.prices.delete(p.id)),
      })),
    ];
    return { bindings, blockers: [] };
  },
};
