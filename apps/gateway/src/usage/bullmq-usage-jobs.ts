import { hash } from 'node:crypto';
import type { JobsOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import type { BackoffOptions } from './backoff.ts';

/** Names shared by the producer (`BullmqUsageQueue`) and the consumer (`startUsageWorker`). */

export const DEFAULT_USAGE_QUEUE_NAME = 'usage-events';
/** The hash tag keeps every key of the queue in one Redis Cluster slot, as BullMQ requires. */
export const DEFAULT_USAGE_QUEUE_PREFIX = '{relay}';
/** A job holding one record: what earlier versions queued; the worker still reads it. */
export const USAGE_JOB_NAME = 'usage';
/** A job holding one shipped batch of records (`{ v: 1, records: UsageRecordWire[] }`). */
export const USAGE_BATCH_JOB_NAME = 'usage-batch';
/** A custom backoff type, computed by the worker's strategy (capped exponential: see backoff.ts). */
export const USAGE_BACKOFF_TYPE = 'usage-capped';

/** Job retries after a failed write: 500 ms doubling up to 60 s. */
export const DEFAULT_JOB_BACKOFF: BackoffOptions = { initialDelayMs: 500, maxDelayMs: 60_000 };

/**
 * Attempts are effectively unbounded (about 70 days at the 60 s ceiling): a database outage must
 * delay usage, never move it to the failed set. Records the database refuses as invalid fail at once
 * (UnrecoverableError) and stay in the failed set for inspection.
 */
export const USAGE_JOB_OPTIONS: JobsOptions = {
  attempts: 100_000,
  backoff: { type: USAGE_BACKOFF_TYPE },
  // Redelivery after completion is harmless (the database dedupes by request_id), so completed
  // jobs need not be kept.
  removeOnComplete: true,
  removeOnFail: false,
};

/**
 * The job id of a request: BullMQ refuses custom ids that are integers or contain ':', and request
 * ids may be either (they can come from the caller's `x-request-id`). The prefix rules out integers;
 * escaping '%' then ':' keeps the mapping one-to-one.
 */
export function usageJobId(requestId: string): string {
  return `u-${requestId.replaceAll('%', '%25').replaceAll(':', '%3A')}`;
}

/**
 * The job id of a batch, derived from its request ids: re-adding the same batch after an unknown
 * outcome (a timeout on `add`) queues it once while it waits. Overlapping batches are harmless: the
 * database writes each request_id once.
 */
export function usageBatchJobId(requestIds: readonly string[]): string {
  // The same digest as hashing each id followed by a newline, in one native call.
  return `b-${hash('sha256', `${requestIds.join('\n')}\n`, 'base64url')}`;
}

/**
 * Producer connection, per BullMQ's production guidance: fail fast when Redis is down (no offline
 * queue, a command timeout) so `enqueue` buffers in memory instead of piling up promises.
 */
export function producerConnection(
  redisUrl: string,
  commandTimeoutMs: number,
  extra: RedisOptions = {},
): Redis {
  return new Redis(redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: commandTimeoutMs,
    ...extra,
  });
}

/** Worker connection: BullMQ requires `maxRetriesPerRequest: null` (blocking commands, reconnects forever). */
export function workerConnection(redisUrl: string, extra: RedisOptions = {}): Redis {
  return new Redis(redisUrl, { maxRetriesPerRequest: null, ...extra });
}

/** Closes a connection whatever its state: QUIT when connected, else just stop reconnecting. */
export async function closeConnection(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  if (redis.status === 'ready') {
    try {
      await redis.quit();
      return;
    } catch {
      // fall through to a hard disconnect
    }
  }
  redis.disconnect();
}
