import { AdminApiError } from '@relay/admin-client';
import type { Clock } from '../clock.ts';
import type { ManagedResourceRow } from '../db/schema.ts';
import { RECORDED_RESOURCE_STATUSES } from '../db/schema.ts';
import type { HostConnections } from '../engine/host-connection.ts';
import type { ImportMetrics } from '../engine/import-metrics.ts';
import type { JournalHandle } from '../engine/journal.ts';
import { ImportJournal } from '../engine/journal.ts';
import { isOurs, LABEL_BATCH, ownershipSelectors } from '../engine/labels.ts';
import type { LiveResource, RemoteResources } from '../engine/remote-resources.ts';
import { applyRank, isResourceType } from '../engine/resource-types.ts';
import { classifyWriteError } from '../engine/write-errors.ts';
import { ManagerError } from '../errors.ts';
import type { HostLeases } from '../hosts/host-lease.ts';
import type { Logger } from '../logger.ts';
import type { ManagerMetrics } from '../metrics.ts';
import { measured } from '../metrics.ts';
import type { Store } from '../store/store.ts';

export type RollbackItem = {
  resource_id: string;
  batch_id: string;
  type: string;
  natural_key: string;
  remote_id: string | null;
  /**
   * deleted; already_gone (404, or an unknown write that never took effect); released (no longer carries
   * our labels: left alone and forgotten); failed (still recorded, e.g. someone else's binding on our group).
   */
  result: 'deleted' | 'already_gone' | 'released' | 'failed';
  error?: string;
};

export type RollbackResult = {
  host_id: string;
  provider_id: string;
  status: 'succeeded' | 'partial';
  batches: string[];
  resources: RollbackItem[];
};

export type RollbackServiceDeps = {
  store: Store;
  connections: HostConnections;
  leases: HostLeases;
  metrics: ManagerMetrics;
  importMetrics: ImportMetrics;
  clock: Clock;
  logger: Logger;
};

/**
 * Rollback by the record only (manager.md §6): deletes the recorded resources of one batch, or of every
 * batch of the provider on the host, newest first and in reverse dependency order (keys, prices, bindings
 * one edge at a time, accounts, groups, users). Before each delete the resource is read and must still carry
 * our labels for its natural key; a 404 counts as done. Nothing is ever deleted by guess: without a record,
 * 409 NO_RECORDED_RESOURCES.
 */
export class RollbackService {
  constructor(private readonly deps: RollbackServiceDeps) {}

  async rollback(
    providerId: string,
    input: { host_id: string; batch_id?: string | undefined },
  ): Promise<RollbackResult> {
    const { deps } = this;
    return measured(deps.metrics, 'provider.rollback', () =>
      deps.leases.withHostLease(input.host_id, 'provider.rollback', async () => {
        const { host, remote } = deps.connections.open(input.host_id);
        const records = this.#records(providerId, input);
        if (records.length === 0) {
          throw new ManagerError(
            'NO_RECORDED_RESOURCES',
            input.batch_id === undefined
              ? `provider ${providerId} has no recorded resources on host ${input.host_id}: nothing to roll back`
              : `batch ${input.batch_id} has no recorded resources left: nothing to roll back`,
            { host_id: input.host_id, provider_id: providerId, batch_id: input.batch_id ?? null },
          );
        }
        // Reverse dependency order; within a type, the newest batch first.
        const ordered = [...records].sort(
          (a, b) =>
            applyRank(b.type) - applyRank(a.type) ||
            (a.batchId < b.batchId ? 1 : a.batchId > b.batchId ? -1 : 0) ||
            (a.id < b.id ? 1 : -1),
        );
        const journal = new ImportJournal(deps.store, deps.clock);
        const items: RollbackItem[] = [];
        for (const record of ordered) items.push(await this.#remove(remote, journal, record));

        const now = deps.clock();
        const batches = [...new Set(records.map((r) => r.batchId))];
        deps.store.transaction(() => {
          for (const batchId of batches) {
            const left = deps.store.resources
              .listByBatch(batchId)
              .filter((r) => RECORDED_RESOURCE_STATUSES.includes(r.status));
            if (left.length === 0)
              deps.store.batches.update(batchId, { status: 'rolled_back', finishedAt: now });
          }
          const smokeKeyGone = items.some(
            (i) => i.remote_id !== null && i.remote_id === host.smokeKeyRemoteId && i.result !== 'failed',
          );
          if (smokeKeyGone) {
            deps.store.hosts.update(host.id, {
              smokeKeyCiphertext: null,
              smokeKeyFingerprint: null,
              smokeKeyRemoteId: null,
              updatedAt: host.updatedAt,
            });
          }
        });
        const status = items.some((i) => i.result === 'failed') ? 'partial' : 'succeeded';
        deps.importMetrics.rollbacks.inc({ status });
        deps.logger.info(
          { host_id: input.host_id, provider_id: providerId, batches, status, resources: items.length },
          'rollback finished',
        );
        return { host_id: input.host_id, provider_id: providerId, status, batches, resources: items };
      }),
    );
  }

  #records(
    providerId: string,
    input: { host_id: string; batch_id?: string | undefined },
  ): ManagedResourceRow[] {
    const { store } = this.deps;
    if (input.batch_id === undefined) return store.resources.listRecorded(input.host_id, providerId);
    const batch = store.batches.get(input.batch_id);
    // A host-wide repair batch carries no provider; its resources each carry the provider they repaired.
    const providerMatches =
      batch?.providerId === providerId || (batch?.providerId === null && batch.kind === 'repair');
    if (batch === undefined || batch.hostId !== input.host_id || !providerMatches) {
      throw new ManagerError(
        'NOT_FOUND',
        `batch ${input.batch_id} not found for provider ${providerId} on host ${input.host_id}`,
      );
    }
    return store.resources
      .listByBatch(input.batch_id)
      .filter(
        (r) =>
          RECORDED_RESOURCE_STATUSES.includes(r.status) &&
          (batch.providerId !== null || r.providerId === providerId),
      );
  }

  /**
   * Why a delete was refused with 409: what still hangs off the resource, said truthfully — bindings or
   * keys the manager did not create (left alone), or ones it recorded outside this rollback.
   */
  async #blockers(remote: RemoteResources, type: string, id: string): Promise<string> {
    const reads: Promise<LiveResource[]>[] = [];
    if (type === 'group') {
      reads.push(remote.list('account_group', { group_id: id }), remote.list('api_key', { group_id: id }));
    } else if (type === 'account') {
      reads.push(remote.list('account_group', { account_id: id }));
    } else if (type === 'user') {
      reads.push(remote.list('api_key', { user_id: id }));
    } else {
      return '';
    }
    let dependants: LiveResource[];
    try {
      dependants = (await Promise.all(reads)).flat();
    } catch {
      return '';
    }
    const foreign = dependants.filter((d) => !isOurs(d.labels)).map((d) => d.id);
    const ours = dependants.filter((d) => isOurs(d.labels)).map((d) => d.id);
    const parts: string[] = [];
    if (foreign.length > 0) {
      parts.push(
        `it still has bindings or keys not created by the manager (${foreign.join(', ')}); they were left alone`,
      );
    }
    if (ours.length > 0) {
      parts.push(
        `it still has bindings or keys the manager created outside this rollback (${ours.join(', ')}); roll back their batches first`,
      );
    }
    return parts.length === 0 ? '' : ` (${parts.join('; ')})`;
  }

  async #remove(
    remote: RemoteResources,
    journal: ImportJournal,
    record: ManagedResourceRow,
  ): Promise<RollbackItem> {
    const { deps } = this;
    const item = (result: RollbackItem['result'], remoteId: string | null, error?: string): RollbackItem => ({
      resource_id: record.id,
      batch_id: record.batchId,
      type: record.type,
      natural_key: record.naturalKey,
      remote_id: remoteId,
      result,
      ...(error === undefined ? {} : { error }),
    });
    if (!isResourceType(record.type)) return item('failed', record.remoteId, `unknown type ${record.type}`);
    const type = record.type;
    const handle: JournalHandle = journal.beginChange('delete', {
      batchId: record.batchId,
      resourceId: record.id,
      remoteId: record.remoteId,
    });
    const count = (outcome: string) =>
      deps.importMetrics.remoteWrites.inc({ type, action: 'delete', outcome });

    let live: LiveResource | undefined;
    try {
      if (record.remoteId === null) {
        // An unknown create: find it by its labels (this batch's write of this natural key), never by guess.
        const found = await remote.list(type, {
          label: ownershipSelectors({ naturalKey: record.naturalKey }),
        });
        live = found.find((r) => r.labels[LABEL_BATCH] === record.batchId);
      } else {
        live = await remote.get(type, record.remoteId);
      }
    } catch (error) {
      const failure = classifyWriteError(error);
      journal.unknown(handle, { error: `read before delete failed: ${failure.error}` });
      count('unknown');
      return item('failed', record.remoteId, `read before delete failed: ${failure.error}`);
    }
    if (live === undefined) {
      journal.confirm(handle, { remoteId: record.remoteId ?? undefined, httpStatus: 404 });
      count('confirmed');
      return item('already_gone', record.remoteId);
    }
    if (!isOurs(live.labels, record.naturalKey)) {
      const error = `${live.id} no longer carries relay-manager labels for ${record.naturalKey}: left alone`;
      journal.fail(handle, { error });
      deps.store.resources.update(record.id, { status: 'released', updatedAt: deps.clock() });
      count('failed');
      return item('released', live.id, error);
    }
    try {
      const outcome = await remote.delete(type, live.id);
      journal.confirm(handle, { remoteId: live.id, httpStatus: outcome === 'gone' ? 404 : 204 });
      count('confirmed');
      return item(outcome === 'gone' ? 'already_gone' : 'deleted', live.id);
    } catch (error) {
      const failure = classifyWriteError(error);
      if (failure.state === 'unknown') journal.unknown(handle, failure);
      else journal.fail(handle, failure);
      count(failure.state);
      const why =
        error instanceof AdminApiError && error.status === 409
          ? `${failure.error}${await this.#blockers(remote, type, live.id)}`
          : failure.error;
      return item('failed', live.id, why);
    }
  }
}
