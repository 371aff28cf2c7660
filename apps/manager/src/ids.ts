import { newSortableId } from '@relay/schemas';

/** Resource id prefixes (manager.md "Conventions"). */
export type IdPrefix = 'hst' | 'prb' | 'bat' | 'res' | 'jrn' | 'pln' | 'rrn' | 'drf' | 'run' | 'aud' | 'req';

/**
 * A prefixed id that sorts by creation order (`hst_` + 10 chars of milliseconds + 16 random chars); the
 * generator is shared with the gateway in @relay/schemas.
 */
export function newId(prefix: IdPrefix, now: number = Date.now()): string {
  return newSortableId(prefix, now);
}
