import type { Clock } from '../clock.ts';
import type { SecretBox } from '../crypto/secret-box.ts';
import type { ManagedResourceRow, ReconcileRunRow } from '../db/schema.ts';
import type { ApplyItem } from '../engine/applier.ts';
import { applyContextOf, applyOps, batchStatusOf } from '../engine/applier.ts';
import type { BatchRecorder } from '../engine/batches.ts';
import { countItems } from '../engine/batches.ts';
import type { DesiredResource } from '../engine/desired-state.ts';
import { dependenciesOf } from '../engine/desired-state.ts';
import type { HostConnections } from '../engine/host-connection.ts';
import { hostReadError } from '../engine/host-connection.ts';
import type { ImportMetrics } from '../engine/import-metrics.ts';
import { LABEL_KEY, labelValueOf, ownershipSelectors } from '../engine/labels.ts';
import type { PlanOp } from '../engine/planner.ts';
import { confirmedIds, desiredFromRecord } from '../engine/records.ts';
import type { LiveResource, RemoteResources } from '../engine/remote-resources.ts';
import type { ResourceType } from '../engine/resource-types.ts';
import { isResourceType } from '../engine/resource-types.ts';
import { ManagerError } from '../errors.ts';
import type { HostLeases } from '../hosts/host-lease.ts';
import { newId } from '../ids.ts';
import type { Logger } from '../logger.ts';
import type { ManagerMetrics } from '../metrics.ts';
import { measured } from '../metrics.ts';
import {
  CONFIRMED_RESOURCE_STATUSES,
  UNRESOLVED_RESOURCE_STATUSES,
} from '../store/managed-resources-repo.ts';
import { page } from '../store/page.ts';
import type { Store } from '../store/store.ts';
import type { DriftFinding, DriftItem } from './drift.ts';
import { driftOfRecord, orphanOf } from './drift.ts';

export type ReconcileMode = 'report' | 'repair';

/** What a repair did about one drift item. */
export type RepairedItem = ApplyItem & { kind: DriftItem['kind'] };

export type ReconcileRunView = {
  run_id: string;
  host_id: string;
  provider_id: string | null;
  mode: ReconcileMode;
  status: 'succeeded' | 'failed';
  drift: DriftItem[];
  repaired: RepairedItem[];
  repair_batch_id: string | null;
  actor: string;
  request_id: string | null;
  error: string | null;
  created_at: string;
  finished_at: string | null;
};

export type ReconcileServiceDeps = {
  store: Store;
  connections: HostConnections;
  secrets: SecretBox;
  leases: HostLeases;
  batches: BatchRecorder;
  metrics: ManagerMetrics;
  importMetrics: ImportMetrics;
  clock: Clock;
  logger: Logger;
};

/** Scheduled report-mode runs keep this many stored runs per host. */
const SCHEDULED_RUNS_KEPT = 50;
const SCHEDULER_ACTOR = 'scheduler';

const LABELLED_TYPES: ResourceType[] = ['user', 'group', 'account', 'account_group', 'price', 'api_key'];

/**
 * Reconcile (manager.md §6): compares the recorded resources with the live host — missing, modified,
 * orphaned, conflict. Report mode reads only; repair mode (under the host lease) recreates what is missing
 * and restores modified owned fields, recorded under a new `repair` batch, and never touches orphans or
 * conflicts. Every run is stored; host-wide runs set `relay_manager_drift_resources{host_id}`.
 */
export class ReconcileService {
  constructor(private readonly deps: ReconcileServiceDeps) {}

  async run(input: {
    hostId: string;
    providerId?: string | undefined;
    mode: ReconcileMode;
    actor: string;
    requestId?: string | undefined;
  }): Promise<ReconcileRunView> {
    const { deps } = this;
    const operation = `reconcile.${input.mode}`;
    return measured(deps.metrics, operation, () =>
      input.mode === 'repair'
        ? deps.leases.withHostLease(input.hostId, operation, () => this.#run(input))
        : this.#run(input),
    );
  }

  /** The scheduled round: a report-mode run of every host with recorded resources; one failure does not stop it. */
  async runScheduled(): Promise<void> {
    const { deps } = this;
    const withRecords = new Set(deps.store.resources.hostsWithRecords());
    for (const host of deps.store.hosts.all()) {
      if (!withRecords.has(host.id)) {
        deps.importMetrics.drift.set({ host_id: host.id }, 0);
        continue;
      }
      // A host in the middle of an import or repair would show its half-written state: next round.
      const lease = deps.store.leases.get(host.id);
      if (lease !== undefined && lease.expiresAt > deps.clock()) continue;
      try {
        const run = await this.run({ hostId: host.id, mode: 'report', actor: SCHEDULER_ACTOR });
        if (run.drift.length > 0) {
          deps.logger.warn({ host_id: host.id, run_id: run.run_id, drift: run.drift.length }, 'drift found');
        }
      } catch (error) {
        deps.logger.error({ host_id: host.id, err: error }, 'scheduled reconcile failed');
      }
      deps.store.reconcileRuns.prune(host.id, SCHEDULER_ACTOR, SCHEDULED_RUNS_KEPT);
    }
  }

  get(runId: string): ReconcileRunView {
    const row = this.deps.store.reconcileRuns.get(runId);
    if (row === undefined) throw new ManagerError('NOT_FOUND', `reconcile run ${runId} not found`);
    return runView(row);
  }

  list(hostId: string | undefined, limit: number, cursor?: string) {
    return page(this.deps.store.reconcileRuns.list(hostId, limit + 1, cursor), limit, runView);
  }

  async #run(input: {
    hostId: string;
    providerId?: string | undefined;
    mode: ReconcileMode;
    actor: string;
    requestId?: string | undefined;
  }): Promise<ReconcileRunView> {
    const { deps } = this;
    const createdAt = deps.clock();
    const runId = newId('rrn', createdAt);
    const { remote } = deps.connections.open(input.hostId);
    let findings: DriftFinding[] = [];
    let repaired: RepairedItem[] = [];
    let repairBatchId: string | null = null;
    let error: unknown;
    try {
      findings = await this.#drift(remote, input.hostId, input.providerId);
      if (input.mode === 'repair') {
        ({ repaired, batchId: repairBatchId } = await this.#repair(remote, input, findings));
      }
    } catch (caught) {
      error = hostReadError(input.hostId, caught);
    }
    const status = error === undefined ? 'succeeded' : 'failed';
    const row: ReconcileRunRow = {
      id: runId,
      hostId: input.hostId,
      providerId: input.providerId ?? null,
      mode: input.mode,
      status,
      drift: findings.map((f) => f.item),
      repaired,
      repairBatchId,
      actor: input.actor,
      requestId: input.requestId ?? null,
      createdAt,
      finishedAt: deps.clock(),
      error: error === undefined ? null : error instanceof Error ? error.message : String(error),
    };
    deps.store.reconcileRuns.insert(row);
    deps.importMetrics.reconcileRuns.inc({ mode: input.mode, status });
    if (error !== undefined) throw error;
    if (input.providerId === undefined) {
      // What is left after a repair is what still drifts.
      const left =
        input.mode === 'repair' ? await this.#drift(remote, input.hostId).catch(() => findings) : findings;
      deps.importMetrics.drift.set({ host_id: input.hostId }, left.length);
    }
    return runView(row);
  }

  async #drift(remote: RemoteResources, hostId: string, providerId?: string): Promise<DriftFinding[]> {
    const { store } = this.deps;
    const records = store.resources.listRecorded(hostId, providerId);
    const findings: DriftFinding[] = [];
    for (const record of records) {
      if (!CONFIRMED_RESOURCE_STATUSES.includes(record.status) || record.remoteId === null) continue;
      if (!isResourceType(record.type)) continue;
      const live = await remote.get(record.type, record.remoteId);
      const other = live === undefined ? await this.#holderOf(remote, record) : undefined;
      const finding = driftOfRecord(record, live, other);
      if (finding !== undefined) findings.push(finding);
    }

    // Orphans: labelled as ours (for the provider, when given) but known to no confirmed record of the host.
    const known = new Set(
      store.resources
        .listRecorded(hostId)
        .filter((r) => CONFIRMED_RESOURCE_STATUSES.includes(r.status))
        .map((r) => r.remoteId),
    );
    const unresolved = records.filter((r) => UNRESOLVED_RESOURCE_STATUSES.includes(r.status));
    for (const type of LABELLED_TYPES) {
      const labelled = await remote.list(type, {
        label: ownershipSelectors(providerId === undefined ? {} : { providerId }),
      });
      for (const live of labelled) {
        if (known.has(live.id)) continue;
        const pending = unresolved.find((r) => labelValueOf(r.naturalKey) === live.labels[LABEL_KEY]);
        findings.push(orphanOf(type, live, pending));
      }
    }
    return findings;
  }

  /** Whoever holds a gone record's natural key now, for the types the gateway identifies by name or model. */
  async #holderOf(remote: RemoteResources, record: ManagedResourceRow): Promise<LiveResource | undefined> {
    const owned = record.ownedFields;
    if ((record.type === 'user' || record.type === 'group') && typeof owned.name === 'string') {
      return (await remote.list(record.type, { name: owned.name }))[0];
    }
    if (record.type === 'price' && typeof owned.model === 'string') {
      return (await remote.list('price', { model: owned.model, channel_id: 'global' }))[0];
    }
    return undefined;
  }

  async #repair(
    remote: RemoteResources,
    input: { hostId: string; providerId?: string | undefined; actor: string; requestId?: string | undefined },
    findings: DriftFinding[],
  ): Promise<{ repaired: RepairedItem[]; batchId: string | null }> {
    const { deps } = this;
    const fixable = findings.filter(
      (f) => (f.item.kind === 'missing' || f.item.kind === 'modified') && f.record !== undefined,
    );
    if (fixable.length === 0) return { repaired: [], batchId: null };
    const batchId = deps.batches.start({
      hostId: input.hostId,
      providerId: input.providerId ?? null,
      kind: 'repair',
      actor: input.actor,
      requestId: input.requestId,
    });
    const repaired: RepairedItem[] = [];
    try {
      // One pass per provider: labels and records carry the provider of the resource repaired.
      const byProvider = new Map<string | null, DriftFinding[]>();
      for (const f of fixable) {
        const key = f.record?.providerId ?? null;
        byProvider.set(key, [...(byProvider.get(key) ?? []), f]);
      }
      for (const [providerId, group] of byProvider) {
        repaired.push(...(await this.#repairProvider(remote, input.hostId, providerId, batchId, group)));
      }
    } finally {
      deps.batches.finish(batchId, 'repair', repaired.length === 0 ? 'failed' : batchStatusOf(repaired), {
        source: 'reconcile',
        items: repaired,
        counts: countItems(repaired),
      });
    }
    return { repaired, batchId };
  }

  async #repairProvider(
    remote: RemoteResources,
    hostId: string,
    providerId: string | null,
    batchId: string,
    findings: DriftFinding[],
  ): Promise<RepairedItem[]> {
    const { deps } = this;
    const knownIds = confirmedIds(deps.store, hostId);
    const missingKeys = new Set(
      findings.filter((f) => f.item.kind === 'missing').map((f) => f.item.natural_key),
    );
    // A missing resource's old id is stale: what depends on it must wait for the recreated one.
    for (const key of missingKeys) knownIds.delete(key);
    const ops: PlanOp[] = [];
    const desired: DesiredResource[] = [];
    const kindOf = new Map<string, DriftItem['kind']>();
    const skipped: RepairedItem[] = [];
    for (const finding of findings) {
      const record = finding.record as ManagedResourceRow;
      const resource = desiredFromRecord(record, deps.secrets);
      // References to resources the manager does not own (a group in conflict) are only in the record.
      for (const [ref, field] of [
        ['user', 'user_id'],
        ['group', 'group_id'],
        ['account', 'account_id'],
      ] as const) {
        const refKey = resource.refs[ref];
        const id = record.ownedFields[field];
        if (
          refKey !== undefined &&
          !knownIds.has(refKey) &&
          !missingKeys.has(refKey) &&
          typeof id === 'string'
        ) {
          knownIds.set(refKey, id);
        }
      }
      kindOf.set(record.naturalKey, finding.item.kind);
      if (finding.item.kind === 'missing') {
        if (record.type === 'api_key') {
          skipped.push({
            kind: 'missing',
            type: 'api_key',
            natural_key: record.naturalKey,
            action: 'create',
            status: 'skipped',
            remote_id: record.remoteId,
            resource_id: record.id,
            reason: 'a tenant key cannot be restored (its secret is gone): import again with create_api_key',
          });
          continue;
        }
        if (record.type === 'account' && resource.secret === undefined) {
          skipped.push({
            kind: 'missing',
            type: 'account',
            natural_key: record.naturalKey,
            action: 'create',
            status: 'skipped',
            remote_id: record.remoteId,
            resource_id: record.id,
            reason:
              'the stored credential cannot be decrypted (was MANAGER_SECRET_KEY changed?): import it again',
          });
          continue;
        }
        desired.push(resource);
        ops.push({
          action: 'create',
          type: resource.type,
          natural_key: resource.naturalKey,
          depends_on: dependenciesOf(resource),
          reason: `recorded ${record.remoteId} is gone: recreated`,
        });
      } else {
        desired.push(resource);
        ops.push({
          action: 'update',
          type: resource.type,
          natural_key: resource.naturalKey,
          remote_id: finding.live?.id ?? record.remoteId ?? '',
          ...(finding.live === undefined ? {} : { remote_version: finding.live.version }),
          changed_fields: (finding.item.fields ?? []).map((f) => f.field),
          reason: 'owned fields differ from the record: restored',
        });
      }
    }
    const { items } = await applyOps(applyContextOf(deps, remote), {
      batchId,
      hostId,
      providerId,
      ops,
      desired,
      knownIds,
    });
    return [
      ...skipped,
      ...items.map((item) => ({ ...item, kind: kindOf.get(item.natural_key) ?? 'missing' })),
    ];
  }
}

function runView(row: ReconcileRunRow): ReconcileRunView {
  return {
    run_id: row.id,
    host_id: row.hostId,
    provider_id: row.providerId,
    mode: row.mode,
    status: row.status,
    drift: row.drift as DriftItem[],
    repaired: row.repaired as RepairedItem[],
    repair_batch_id: row.repairBatchId,
    actor: row.actor,
    request_id: row.requestId,
    error: row.error,
    created_at: new Date(row.createdAt).toISOString(),
    finished_at: row.finishedAt === null ? null : new Date(row.finishedAt).toISOString(),
  };
}
