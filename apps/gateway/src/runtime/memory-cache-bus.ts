import {
  type CacheBus,
  type CacheEvent,
  type CacheEventHandler,
  dispatchCacheEvent,
  validateCacheEvent,
} from './cache-bus.ts';

/** In-process bus for embedded mode: delivery on a microtask, like a message arriving from Redis. */
export class MemoryCacheBus implements CacheBus {
  private readonly handlers = new Set<CacheEventHandler>();

  constructor(private readonly onError: (error: unknown) => void = () => {}) {}

  async publish(event: CacheEvent): Promise<void> {
    validateCacheEvent(event);
    const copy = { kind: event.kind, ids: [...event.ids] };
    const handlers = [...this.handlers];
    queueMicrotask(() => dispatchCacheEvent(handlers, copy, this.onError));
  }

  subscribe(handler: CacheEventHandler): () => void {
    this.handlers.add(handler);
    return () => {
      this.handlers.delete(handler);
    };
  }

  async ready(): Promise<void> {}
}
