import { newSortableId } from '@relay/schemas';

/** Prefixes of every id the gateway issues (gateway.md §1). */
export const ID_PREFIX = {
  user: 'usr',
  group: 'grp',
  account: 'acc',
  accountGroup: 'agb',
  apiKey: 'key',
  channel: 'chn',
  channelGroup: 'cgb',
  price: 'prc',
  subscription: 'sub',
  usageEvent: 'evt',
  auditEvent: 'aud',
} as const;
export type IdPrefix = (typeof ID_PREFIX)[keyof typeof ID_PREFIX];

/**
 * `<prefix>_<time><random>`: sorts by creation time (cursor pagination orders by id); the generator is
 * shared with the manager in @relay/schemas.
 */
export function newId(prefix: IdPrefix | string, now: number = Date.now()): string {
  return newSortableId(prefix, now);
}
