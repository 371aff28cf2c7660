import { Counter, Gauge, type Registry } from 'prom-client';
import type { UsageQueue, UsageWriteStats } from './usage-queue.ts';

export interface UsageMetricSources {
  /** The queue the relay enqueues into. */
  queue?: UsageQueue;
  /** What writes to the database here: the in-process writer, or the BullMQ worker if this process runs one. */
  writer?: { stats(): UsageWriteStats };
}

/**
 * Exposes the usage pipeline's counters on `registry`, read at scrape time (nothing on the hot path).
 * Alert on `relay_gateway_usage_pending` growing, `…_failed_batches_total` rising, any `…_dropped_total`
 * or `…_rejected_total`.
 */
export function registerUsageMetrics(registry: Registry, sources: UsageMetricSources): void {
  const { queue, writer } = sources;
  const mirror = (name: string, help: string, read: () => number, labelNames: string[] = []) =>
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });

  if (queue) {
    new Gauge({
      name: 'relay_gateway_usage_pending',
      help: 'Usage records accepted and not yet handed on (written to the database, or added to Redis)',
      registers: [registry],
      collect() {
        this.set(queue.pending());
      },
    });
    mirror(
      'relay_gateway_usage_delivered_total',
      'Usage records handed on by the usage queue',
      () => queue.stats().delivered,
    );
    mirror(
      'relay_gateway_usage_queue_failed_batches_total',
      'Usage queue batch attempts that failed and were retried (database or Redis unreachable)',
      () => queue.stats().failedBatches,
    );
    mirror(
      'relay_gateway_usage_dropped_total',
      'Usage records given up (logged in full)',
      () => queue.stats().dropped,
    );
  }
  if (writer) {
    mirror(
      'relay_gateway_usage_events_written_total',
      'Usage events inserted and charged',
      () => writer.stats().written,
    );
    mirror(
      'relay_gateway_usage_events_duplicate_total',
      'Usage records whose request_id was already recorded (not charged again)',
      () => writer.stats().duplicates,
    );
    mirror(
      'relay_gateway_usage_events_rejected_total',
      'Usage records refused by the database as invalid (logged in full)',
      () => writer.stats().rejected,
    );
    mirror(
      'relay_gateway_usage_write_failed_batches_total',
      'Usage batch transactions that failed and were retried',
      () => writer.stats().failedBatches,
    );
  }
}
