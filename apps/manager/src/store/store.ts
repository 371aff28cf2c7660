import type { ManagerDatabase } from '../db/database.ts';
import { AuditRepository } from './audit-repo.ts';
import { BatchRunRepository } from './batch-runs-repo.ts';
import { HostRepository } from './hosts-repo.ts';
import { ImportBatchRepository } from './import-batches-repo.ts';
import { ImportPlanRepository } from './import-plans-repo.ts';
import { JournalRepository } from './journal-repo.ts';
import { HostLeaseRepository } from './leases-repo.ts';
import { ManagedResourceRepository } from './managed-resources-repo.ts';
import { ProbeResultRepository } from './probe-results-repo.ts';
import { ProviderDraftRepository } from './provider-drafts-repo.ts';
import { ReconcileRunRepository } from './reconcile-runs-repo.ts';
import { SessionRepository } from './sessions-repo.ts';

/** The manager's repositories over one SQLite database, one per aggregate. */
export type Store = {
  database: ManagerDatabase;
  hosts: HostRepository;
  probeResults: ProbeResultRepository;
  sessions: SessionRepository;
  audit: AuditRepository;
  leases: HostLeaseRepository;
  resources: ManagedResourceRepository;
  batches: ImportBatchRepository;
  plans: ImportPlanRepository;
  journal: JournalRepository;
  reconcileRuns: ReconcileRunRepository;
  drafts: ProviderDraftRepository;
  batchRuns: BatchRunRepository;
  /** Runs `fn` in one synchronous SQLite transaction. `fn` must not be async: remote I/O goes outside. */
  transaction<T>(fn: () => T): T;
};

export function createStore(database: ManagerDatabase): Store {
  const { db, sqlite } = database;
  return {
    database,
    hosts: new HostRepository(db),
    probeResults: new ProbeResultRepository(db),
    sessions: new SessionRepository(db),
    audit: new AuditRepository(db),
    leases: new HostLeaseRepository(sqlite),
    resources: new ManagedResourceRepository(db),
    batches: new ImportBatchRepository(db),
    plans: new ImportPlanRepository(db),
    journal: new JournalRepository(db),
    reconcileRuns: new ReconcileRunRepository(db),
    drafts: new ProviderDraftRepository(db),
    batchRuns: new BatchRunRepository(db),
    transaction: <T>(fn: () => T): T => {
      const result = sqlite.transaction(fn)();
      if (result instanceof Promise) throw new Error('store.transaction: the callback must be synchronous');
      return result;
    },
  };
}
