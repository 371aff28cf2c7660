/**
 * Admin-change invalidation for the hot-path snapshot: the admin API publishes what changed, every
 * gateway instance (including the publisher) drops the matching cache entries.
 */
export type CacheEvent = {
  /** What changed: 'api_key', 'user', 'group', 'account', 'channel', 'price', binding kinds… */
  kind: string;
  ids: string[];
};

/**
 * Delivered when the bus may have missed events (the Redis subscriber reconnected): drop everything.
 */
export const CACHE_RESYNC_KIND = '*';

export type CacheEventHandler = (event: CacheEvent) => void | Promise<void>;

export interface CacheBus {
  publish(event: CacheEvent): Promise<void>;
  /** Handlers run asynchronously after publish; a throwing handler does not affect the others. */
  subscribe(handler: CacheEventHandler): () => void;
  /** Resolves once events published from now on will be delivered (the subscription is live). */
  ready(): Promise<void>;
}

export function validateCacheEvent(event: CacheEvent): void {
  if (typeof event.kind !== 'string' || event.kind.length === 0)
    throw new RangeError('cache event kind is required');
  if (!Array.isArray(event.ids) || event.ids.some((id) => typeof id !== 'string')) {
    throw new RangeError('cache event ids must be strings');
  }
}

/** Parses a message from the wire; anything malformed is dropped (undefined). */
export function parseCacheEvent(message: string): CacheEvent | undefined {
  try {
    const value: unknown = JSON.parse(message);
    if (typeof value !== 'object' || value === null) return undefined;
    const { kind, ids } = value as { kind?: unknown; ids?: unknown };
    if (typeof kind !== 'string' || kind.length === 0) return undefined;
    if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string')) return undefined;
    return { kind, ids: ids as string[] };
  } catch {
    return undefined;
  }
}

/** Runs every handler, isolating failures (sync throws and rejected promises) from each other. */
export function dispatchCacheEvent(
  handlers: Iterable<CacheEventHandler>,
  event: CacheEvent,
  onError: (error: unknown) => void,
): void {
  for (const handler of handlers) {
    try {
      const result = handler(event);
      if (result instanceof Promise) result.catch(onError);
    } catch (error) {
      onError(error);
    }
  }
}
