import type { Redis } from 'ioredis';
import {
  CACHE_RESYNC_KIND,
  type CacheBus,
  type CacheEvent,
  type CacheEventHandler,
  dispatchCacheEvent,
  parseCacheEvent,
  validateCacheEvent,
} from './cache-bus.ts';
import { RuntimeUnavailableError } from './errors.ts';
import { guarded } from './redis-script.ts';

export type RedisCacheBusOptions = {
  /** Command connection used for PUBLISH. */
  publisher: Redis;
  /** Dedicated connection: once subscribed it can run nothing else. */
  subscriber: Redis;
  prefix: string;
  onError?: (error: unknown) => void;
};

/**
 * Redis pub/sub bus. Pub/sub is fire-and-forget: while the subscriber is disconnected events are
 * lost, so after every reconnect handlers receive one `{kind: '*'}` event telling them to drop
 * everything (the snapshot TTL is the last backstop).
 */
export class RedisCacheBus implements CacheBus {
  private readonly handlers = new Set<CacheEventHandler>();
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly channel: string;
  private readonly onError: (error: unknown) => void;
  private subscribed: Promise<void>;
  private lostConnection = false;

  constructor(options: RedisCacheBusOptions) {
    this.publisher = options.publisher;
    this.subscriber = options.subscriber;
    this.channel = `${options.prefix}cache-bus`;
    this.onError = options.onError ?? (() => {});
    this.subscriber.on('message', this.onMessage);
    this.subscriber.on('close', this.onClose);
    this.subscriber.on('ready', this.onReady);
    this.subscribed = this.listen();
    // Reported through onError; callers that await ready() still see the rejection.
    this.subscribed.catch(() => {});
  }

  async publish(event: CacheEvent): Promise<void> {
    validateCacheEvent(event);
    await guarded('cache bus publish', this.publisher.publish(this.channel, JSON.stringify(event)));
  }

  subscribe(handler: CacheEventHandler): () => void {
    this.handlers.add(handler);
    return () => {
      this.handlers.delete(handler);
    };
  }

  ready(): Promise<void> {
    return this.subscribed;
  }

  /** Stops listening on the subscriber connection (the connection itself belongs to the caller). */
  detach(): void {
    this.subscriber.off('message', this.onMessage);
    this.subscriber.off('close', this.onClose);
    this.subscriber.off('ready', this.onReady);
  }

  private async listen(): Promise<void> {
    try {
      await this.subscriber.subscribe(this.channel);
    } catch (error) {
      const wrapped = new RuntimeUnavailableError('cache bus subscribe', error);
      this.onError(wrapped);
      throw wrapped;
    }
  }

  private readonly onMessage = (channel: string, message: string): void => {
    if (channel !== this.channel) return;
    const event = parseCacheEvent(message);
    if (event === undefined) {
      this.onError(new Error(`cache bus: dropped a malformed message on ${channel}`));
      return;
    }
    dispatchCacheEvent(this.handlers, event, this.onError);
  };

  private readonly onClose = (): void => {
    this.lostConnection = true;
  };

  private readonly onReady = (): void => {
    if (!this.lostConnection) return;
    this.lostConnection = false;
    // Re-subscribe explicitly and only then announce the resync, so that no event published after
    // the handlers reload can slip through before the subscription is live again.
    this.subscribed = this.listen();
    this.subscribed.then(
      () => dispatchCacheEvent(this.handlers, { kind: CACHE_RESYNC_KIND, ids: [] }, this.onError),
      () => {},
    );
  };
}
