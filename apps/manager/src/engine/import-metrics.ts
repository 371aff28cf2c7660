import type { Registry } from 'prom-client';
import { Counter, Gauge } from 'prom-client';

/**
 * Metrics of the import lifecycle, on the app's registry. Durations and ok/error counts of each operation
 * (provider.import, provider.rollback, reconcile.*, access.repair) go through `measured` like every other
 * manager operation; these add what the outcome was.
 */
export type ImportMetrics = {
  batches: Counter<'kind' | 'status'>;
  remoteWrites: Counter<'type' | 'action' | 'outcome'>;
  rollbacks: Counter<'status'>;
  reconcileRuns: Counter<'mode' | 'status'>;
  drift: Gauge<'host_id'>;
};

export function createImportMetrics(registry: Registry): ImportMetrics {
  return {
    batches: new Counter({
      name: 'relay_manager_import_batches_total',
      help: 'Import batches finished, by kind (import, repair, smoke) and status (succeeded, partial, failed)',
      labelNames: ['kind', 'status'] as const,
      registers: [registry],
    }),
    remoteWrites: new Counter({
      name: 'relay_manager_remote_writes_total',
      help: 'Writes to gateway hosts by resource type, action and journal outcome (confirmed, unknown, failed)',
      labelNames: ['type', 'action', 'outcome'] as const,
      registers: [registry],
    }),
    rollbacks: new Counter({
      name: 'relay_manager_rollbacks_total',
      help: 'Provider rollbacks by status (succeeded, partial)',
      labelNames: ['status'] as const,
      registers: [registry],
    }),
    reconcileRuns: new Counter({
      name: 'relay_manager_reconcile_runs_total',
      help: 'Reconcile runs by mode (report, repair) and status (succeeded, failed)',
      labelNames: ['mode', 'status'] as const,
      registers: [registry],
    }),
    drift: new Gauge({
      name: 'relay_manager_drift_resources',
      help: 'Drifted resources (missing, modified, orphaned, conflict) found by the last host-wide reconcile',
      labelNames: ['host_id'] as const,
      registers: [registry],
    }),
  };
}
