import { Redis, type RedisOptions } from 'ioredis';

/**
 * What a connection is for; each role gets the defaults its failure policy needs:
 * - `command`: runtime state and queue producers. Never queues while disconnected (fails fast with
 *   RuntimeUnavailableError instead of hanging the hot path), never re-sends an in-flight command
 *   after a reconnect (a rate-limit consume must not count twice), and times out a stuck command.
 * - `subscriber`: the cache bus' pub/sub connection; queues SUBSCRIBE while connecting and
 *   re-subscribes after a reconnect.
 * - `worker`: BullMQ workers, which require `maxRetriesPerRequest: null` and block on commands.
 */
export type RedisRole = 'command' | 'subscriber' | 'worker';

export type RedisClientOptions = {
  /** Prefix of the connection name shown by CLIENT LIST (`<name>:<role>`). */
  name?: string;
  /** Command client only: reject a command that got no reply within this time. */
  commandTimeoutMs?: number;
  /** Connection errors (refused, reset…). Redis keeps reconnecting on its own; this is for logging. */
  onError?: (error: Error) => void;
};

/** Reconnect delay: 100 ms doubling up to a 2 s cap, forever (the client recovers by itself). */
export function reconnectDelay(attempt: number): number {
  return Math.min(100 * 2 ** Math.min(attempt - 1, 5), 2000);
}

export function redisOptionsFor(role: RedisRole, options: RedisClientOptions = {}): RedisOptions {
  const base: RedisOptions = {
    connectionName: `${options.name ?? 'relay-gateway'}:${role}`,
    lazyConnect: false,
    connectTimeout: 5_000,
    keepAlive: 10_000,
    retryStrategy: reconnectDelay,
    // After a Sentinel/managed failover the old primary answers READONLY: reconnect and retry.
    reconnectOnError: (error) => (error.message.startsWith('READONLY') ? 2 : false),
  };
  switch (role) {
    case 'command':
      return {
        ...base,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        autoResendUnfulfilledCommands: false,
        commandTimeout: options.commandTimeoutMs ?? 1_000,
        // Measured: auto-pipelining costs more CPU per call here (18.6 vs 10.6 µs at 32 concurrent
        // callers, 43.6 vs 17.5 µs sequential), so it stays off.
        enableAutoPipelining: false,
      };
    case 'subscriber':
      return { ...base, enableOfflineQueue: true, maxRetriesPerRequest: null, autoResubscribe: true };
    case 'worker':
      return { ...base, enableOfflineQueue: true, maxRetriesPerRequest: null };
  }
}

/** One ioredis factory with production defaults for every Redis connection of the gateway. */
export function createRedisClient(url: string, role: RedisRole, options: RedisClientOptions = {}): Redis {
  const client = new Redis(url, redisOptionsFor(role, options));
  // Without a listener ioredis prints every reconnect failure to stderr.
  client.on('error', options.onError ?? (() => {}));
  return client;
}
