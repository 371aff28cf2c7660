import type { Registry } from 'prom-client';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { BatchRunRepository } from '../store/batch-runs-repo.ts';

export type BatchRunMetrics = {
  runs: Counter<'status'>;
  items: Counter<'status'>;
  itemSeconds: Histogram;
};

/** Batch-run progress and outcomes on /metrics; the gauges are read from SQLite at scrape time. */
export function createBatchRunMetrics(registry: Registry, runs: BatchRunRepository): BatchRunMetrics {
  new Gauge({
    name: 'relay_manager_batch_runs',
    help: 'Batch-import runs by status (queued, running, succeeded, partial, failed, interrupted, cancelled)',
    labelNames: ['status'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [status, n] of Object.entries(runs.countRunsByStatus())) this.set({ status }, n);
    },
  });
  new Gauge({
    name: 'relay_manager_batch_items_pending',
    help: 'Items of queued or running batch-import runs not processed yet',
    registers: [registry],
    collect() {
      this.set(runs.countActiveItemsLeft());
    },
  });
  return {
    runs: new Counter({
      name: 'relay_manager_batch_runs_finished_total',
      help: 'Batch-import runs finished, by final status',
      labelNames: ['status'] as const,
      registers: [registry],
    }),
    items: new Counter({
      name: 'relay_manager_batch_items_total',
      help: 'Batch-import items processed, by outcome (succeeded, failed)',
      labelNames: ['status'] as const,
      registers: [registry],
    }),
    itemSeconds: new Histogram({
      name: 'relay_manager_batch_item_duration_seconds',
      help: 'Time to import (and verify) one batch item',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}
