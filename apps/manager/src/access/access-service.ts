import type { Clock } from '../clock.ts';
import type { SecretBox } from '../crypto/secret-box.ts';
import type { ManagedResourceRow } from '../db/schema.ts';
import type { ApplyItem } from '../engine/applier.ts';
import { applyContextOf, applyOps, batchStatusOf } from '../engine/applier.ts';
import type { BatchRecorder } from '../engine/batches.ts';
import { countItems } from '../engine/batches.ts';
import type { HostConnections } from '../engine/host-connection.ts';
import { readingHost } from '../engine/host-connection.ts';
import type { ImportMetrics } from '../engine/import-metrics.ts';
import { bindingEnds } from '../engine/natural-keys.ts';
import type { PlanOp } from '../engine/planner.ts';
import { confirmedIds, desiredFromRecord } from '../engine/records.ts';
import type { RemoteResources } from '../engine/remote-resources.ts';
import type { HostLeases } from '../hosts/host-lease.ts';
import type { Logger } from '../logger.ts';
import type { ManagerMetrics } from '../metrics.ts';
import { measured } from '../metrics.ts';
import { CONFIRMED_RESOURCE_STATUSES } from '../store/managed-resources-repo.ts';
import type { Store } from '../store/store.ts';
import type { ExpectedEdge, GroupAccessReport } from './group-access.ts';
import { evaluateGroupAccess } from './group-access.ts';

export type AccessReport = {
  ok: boolean;
  host_id: string;
  provider_id: string;
  checked_at: string;
  groups: GroupAccessReport[];
  /** Set when the provider has nothing recorded on the host (nothing to evaluate). */
  message?: string;
};

export type AccessRepairResult = {
  batch_id: string | null;
  status: 'succeeded' | 'partial' | 'failed';
  repaired: ApplyItem[];
  access: AccessReport;
};

export type AccessServiceDeps = {
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

/** The access closure of a provider's groups on a host (manager.md §6), and its repair. */
export class AccessService {
  constructor(private readonly deps: AccessServiceDeps) {}

  /** Live evaluation: reads the host, writes nothing. */
  async report(hostId: string, providerId: string): Promise<AccessReport> {
    const { remote } = this.deps.connections.open(hostId);
    return readingHost(hostId, () => this.#report(remote, hostId, providerId));
  }

  /** The report, or the error that kept it from being made (a status view or a batch summary still answers). */
  async reportOrError(hostId: string, providerId: string): Promise<AccessReport | { error: string }> {
    try {
      return await this.report(hostId, providerId);
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
  }

  /** Creates the recorded bindings that are gone, as managed resources of a new `repair` batch. */
  async repair(
    hostId: string,
    providerId: string,
    who: { actor: string; requestId?: string | undefined },
  ): Promise<AccessRepairResult> {
    const { deps } = this;
    return measured(deps.metrics, 'access.repair', () =>
      deps.leases.withHostLease(hostId, 'access.repair', async () => {
        const { remote } = deps.connections.open(hostId);
        const before = await readingHost(hostId, () => this.#report(remote, hostId, providerId));
        const gaps = before.groups.flatMap((g) => g.missing.filter((m) => m.reason === 'BINDING_MISSING'));
        if (gaps.length === 0) return { batch_id: null, status: 'succeeded', repaired: [], access: before };

        const records = this.#records(hostId, providerId);
        const knownIds = confirmedIds(deps.store, hostId);
        const ops: PlanOp[] = [];
        const desired = [];
        for (const gap of gaps) {
          const record = records.bindings.find((b) => b.naturalKey === gap.ids.natural_key);
          if (record === undefined) continue;
          const ends = bindingEnds(record.naturalKey);
          if (ends !== undefined && gap.ids.account_id !== undefined && gap.ids.group_id !== undefined) {
            knownIds.set(ends.account, gap.ids.account_id);
            knownIds.set(ends.group, gap.ids.group_id);
          }
          desired.push(desiredFromRecord(record, deps.secrets));
          ops.push({
            action: 'create',
            type: 'account_group',
            natural_key: record.naturalKey,
            depends_on: ends === undefined ? [] : [ends.account, ends.group],
            reason: 'recorded binding is gone from the host: access repair binds it again',
          });
        }
        const batchId = deps.batches.start({
          hostId,
          providerId,
          kind: 'repair',
          actor: who.actor,
          requestId: who.requestId,
        });
        let items: ApplyItem[] = [];
        try {
          ({ items } = await applyOps(applyContextOf(deps, remote), {
            batchId,
            hostId,
            providerId,
            ops,
            desired,
            knownIds,
          }));
        } finally {
          const status = items.length === 0 ? 'failed' : batchStatusOf(items);
          deps.batches.finish(batchId, 'repair', status, {
            source: 'access.repair',
            items,
            counts: countItems(items),
          });
        }
        const after = await readingHost(hostId, () => this.#report(remote, hostId, providerId));
        return { batch_id: batchId, status: batchStatusOf(items), repaired: items, access: after };
      }),
    );
  }

  async #report(remote: RemoteResources, hostId: string, providerId: string): Promise<AccessReport> {
    const now = new Date(this.deps.clock());
    const { groups, bindings, accountIds } = this.#records(hostId, providerId);
    const targets = new Map<string, string>();
    for (const g of groups) if (g.remoteId !== null) targets.set(g.naturalKey, g.remoteId);
    // Groups the manager does not own but bound its accounts to (a group in conflict at import).
    for (const b of bindings) {
      const groupKey = b.refs.group;
      const groupId = b.ownedFields.group_id;
      if (groupKey !== undefined && !targets.has(groupKey) && typeof groupId === 'string')
        targets.set(groupKey, groupId);
    }
    const reports: GroupAccessReport[] = [];
    for (const [naturalKey, groupId] of targets) {
      const expected: ExpectedEdge[] = bindings
        .filter((b) => b.refs.group === naturalKey)
        .map((b) => ({
          natural_key: b.naturalKey,
          account_id:
            (b.refs.account === undefined ? undefined : accountIds.get(b.refs.account)) ??
            String(b.ownedFields.account_id),
          group_id: groupId,
        }));
      reports.push(
        await evaluateGroupAccess(remote, { group_id: groupId, natural_key: naturalKey }, expected, now),
      );
    }
    return {
      ok: reports.length > 0 && reports.every((r) => r.ok),
      host_id: hostId,
      provider_id: providerId,
      checked_at: now.toISOString(),
      groups: reports,
      ...(reports.length === 0
        ? { message: `provider ${providerId} has no recorded group on host ${hostId}` }
        : {}),
    };
  }

  #records(hostId: string, providerId: string) {
    const rows = this.deps.store.resources
      .listRecorded(hostId, providerId)
      .filter((r) => CONFIRMED_RESOURCE_STATUSES.includes(r.status));
    const byType = (type: string): ManagedResourceRow[] => rows.filter((r) => r.type === type);
    const accountIds = new Map<string, string>();
    for (const a of byType('account')) if (a.remoteId !== null) accountIds.set(a.naturalKey, a.remoteId);
    return { groups: byType('group'), bindings: byType('account_group'), accountIds };
  }
}
