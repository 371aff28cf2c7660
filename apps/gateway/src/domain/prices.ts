import type { Price, PriceCreate, PriceListQuery, PriceUpdate } from '@relay/schemas';
import { ID_PREFIX, newId, type PriceInsert, type PriceRow } from '../store/index.ts';
import { pageRequestOf, requireReference } from './crud.ts';
import { toMicros } from './money.ts';
import { presentPrice } from './present.ts';
import type { ResourceDefinition } from './resource-definition.ts';

export const priceResource: ResourceDefinition<
  PriceRow,
  PriceInsert,
  Price,
  PriceCreate,
  PriceUpdate,
  PriceListQuery
> = {
  type: 'prices',
  noun: 'price',
  repository: (store) => store.prices,
  present: presentPrice,
  insert: async (tx, input) => {
    if (input.channel_id !== null) {
      requireReference(await tx.channels.get(input.channel_id), 'channel', input.channel_id, 'channel_id');
    }
    return tx.prices.insert({
      id: newId(ID_PREFIX.price),
      model: input.model,
      channelId: input.channel_id,
      inputMicros: toMicros(input.input, 'input'),
      outputMicros: toMicros(input.output, 'output'),
      cacheReadMicros: toMicros(input.cache_read, 'cache_read'),
      cacheWriteMicros: toMicros(input.cache_write, 'cache_write'),
      labels: input.labels,
    });
  },
  patch: async (_tx, _before, input) => {
    const patch: Partial<PriceInsert> = {};
    if (input.input !== undefined) patch.inputMicros = toMicros(input.input, 'input');
    if (input.output !== undefined) patch.outputMicros = toMicros(input.output, 'output');
    if (input.cache_read !== undefined) patch.cacheReadMicros = toMicros(input.cache_read, 'cache_read');
    if (input.cache_write !== undefined) patch.cacheWriteMicros = toMicros(input.cache_write, 'cache_write');
    if (input.labels !== undefined) patch.labels = input.labels;
    return patch;
  },
  list: (store, query) =>
    store.prices.list(
      { model: query.model, channelId: query.channel_id === 'global' ? null : query.channel_id },
      pageRequestOf(query),
    ),
};
