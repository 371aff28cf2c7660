import type { AccessService } from '../access/access-service.ts';
import type { Clock } from '../clock.ts';
import type { ImportBatchKind, ManagedResourceStatus } from '../db/schema.ts';
import { ManagerError } from '../errors.ts';
import { page } from '../store/page.ts';
import type { Store } from '../store/store.ts';
import { batchView, journalEntryView, resourceView } from './views.ts';

/** Read side of the import lifecycle: batches, resources, and the one-call status of a host. */
export class ImportQueries {
  constructor(private readonly deps: { store: Store; access: AccessService; clock: Clock }) {}

  batches(
    filter: {
      hostId?: string | undefined;
      providerId?: string | undefined;
      kind?: ImportBatchKind | undefined;
    },
    limit: number,
    cursor?: string,
  ) {
    return page(this.deps.store.batches.list(filter, limit + 1, cursor), limit, batchView);
  }

  /** A batch with its recorded resources and its journal. */
  batch(batchId: string) {
    const { store } = this.deps;
    const row = store.batches.get(batchId);
    if (row === undefined) throw new ManagerError('NOT_FOUND', `import batch ${batchId} not found`);
    return {
      ...batchView(row),
      resources: store.resources.listByBatch(batchId).map(resourceView),
      journal: store.journal.listByBatch(batchId).map(journalEntryView),
    };
  }

  resources(
    filter: {
      hostId?: string | undefined;
      providerId?: string | undefined;
      batchId?: string | undefined;
      statuses?: ManagedResourceStatus[] | undefined;
    },
    limit: number,
    cursor?: string,
  ) {
    return page(this.deps.store.resources.list(filter, limit + 1, cursor), limit, resourceView);
  }

  /**
   * Providers with recorded resources on the host, recent batches, the live access closure per provider and
   * the last reconcile. A host that does not answer still gets its recorded side, with the closure's error.
   */
  async status(hostId: string) {
    const { store, access } = this.deps;
    const host = store.hosts.get(hostId);
    if (host === undefined) throw new ManagerError('NOT_FOUND', `host ${hostId} not found`);
    const counts = store.resources.countsByProvider(hostId);
    const providers = [];
    for (const [providerId, resources] of Object.entries(counts)) {
      const lastBatch = store.batches.list({ hostId, providerId }, 1)[0];
      const lastRun = store.reconcileRuns.latest(hostId, providerId);
      const closure = await access.reportOrError(hostId, providerId);
      providers.push({
        provider_id: providerId,
        resources,
        last_batch: lastBatch === undefined ? null : batchView(lastBatch),
        last_reconcile: lastRun === undefined ? null : runSummary(lastRun),
        closure,
      });
    }
    const hostRun = store.reconcileRuns.latest(hostId, null);
    return {
      host_id: hostId,
      host: {
        name: host.name,
        status: host.status,
        last_probe_at: host.lastProbeAt === null ? null : new Date(host.lastProbeAt).toISOString(),
      },
      checked_at: new Date(this.deps.clock()).toISOString(),
      recorded_resources: store.resources.countRecorded(hostId),
      providers,
      recent_batches: store.batches.list({ hostId }, 10).map(batchView),
      last_reconcile: hostRun === undefined ? null : runSummary(hostRun),
    };
  }
}

function runSummary(row: {
  id: string;
  mode: string;
  status: string;
  drift: unknown[];
  createdAt: number;
  actor: string;
}) {
  return {
    run_id: row.id,
    mode: row.mode,
    status: row.status,
    actor: row.actor,
    drift: row.drift.length,
    created_at: new Date(row.createdAt).toISOString(),
  };
}
