import type { ProviderManifest } from '@relay/manifests';
import type { AccessReport, AccessService } from '../access/access-service.ts';
import type { Clock } from '../clock.ts';
import type { SecretBox } from '../crypto/secret-box.ts';
import { fingerprint } from '../crypto/secret-box.ts';
import type { ImportBatchStatus } from '../db/schema.ts';
import type { ApplyItem } from '../engine/applier.ts';
import { applyContextOf, applyOps, batchStatusOf } from '../engine/applier.ts';
import type { BatchRecorder } from '../engine/batches.ts';
import { countItems } from '../engine/batches.ts';
import type { DesiredResource, ImportCredential, ImportOptions } from '../engine/desired-state.ts';
import { desiredResources } from '../engine/desired-state.ts';
import type { HostConnections } from '../engine/host-connection.ts';
import { readingHost } from '../engine/host-connection.ts';
import { readHostSnapshot } from '../engine/host-snapshot.ts';
import type { ImportMetrics } from '../engine/import-metrics.ts';
import type { PlannedGroupClosure, PlanOp } from '../engine/planner.ts';
import { planOps, predictClosure } from '../engine/planner.ts';
import { recordLookup } from '../engine/records.ts';
import type { RemoteResources } from '../engine/remote-resources.ts';
import { ManagerError } from '../errors.ts';
import type { HostLeases } from '../hosts/host-lease.ts';
import { newId } from '../ids.ts';
import type { Logger } from '../logger.ts';
import type { ManagerMetrics } from '../metrics.ts';
import { measured } from '../metrics.ts';
import type { PackCatalog } from '../packs/pack-catalog.ts';
import type { Store } from '../store/store.ts';

/** How long a preview can be applied by id. */
const PLAN_TTL_MS = 15 * 60_000;

export type PreviewInput = {
  host_id: string;
  credentials: ImportCredential[];
  options?: ImportOptions | undefined;
};

export type PlanView = {
  plan_id: string;
  host_id: string;
  provider_id: string;
  pack_id: string;
  snapshot_hash: string;
  created_at: string;
  expires_at: string;
  /** The credentials of the plan, as fingerprints only. */
  credentials: { fingerprint: string; name: string | null }[];
  ops: PlanOp[];
  closure: { ok: boolean; groups: PlannedGroupClosure[] };
  warnings: string[];
};

/** What is stored with a plan so it can be applied later: the view, and the inputs with credentials sealed. */
type StoredPlan = {
  view: PlanView;
  inputs: { credentials: { sealed: string; name: string | null }[]; options: ImportOptions };
};

export type ImportBatchResult = {
  batch_id: string;
  host_id: string;
  provider_id: string;
  kind: 'import';
  status: ImportBatchStatus;
  plan_id: string;
  resources: ApplyItem[];
  closure: AccessReport | { error: string };
  warnings: string[];
  /** A tenant key created by this import: its plaintext is shown here once and never stored. */
  api_key: { id: string; natural_key: string; key_prefix: string; secret: string } | null;
  created_at: string;
  finished_at: string;
};

export type ImportServiceDeps = {
  store: Store;
  packs: PackCatalog;
  connections: HostConnections;
  secrets: SecretBox;
  leases: HostLeases;
  batches: BatchRecorder;
  access: AccessService;
  metrics: ManagerMetrics;
  importMetrics: ImportMetrics;
  clock: Clock;
  logger: Logger;
};

type Who = { actor: string; requestId?: string | undefined };

/** Preview and import of a provider into a host (manager.md §6): plan, then apply the plan. */
export class ImportService {
  constructor(private readonly deps: ImportServiceDeps) {}

  /** Reads the host and stores a plan; never writes to the host. */
  async preview(providerId: string, input: PreviewInput): Promise<PlanView> {
    return measured(this.deps.metrics, 'provider.preview', async () => {
      const provider = this.provider(providerId);
      const { remote } = this.deps.connections.open(input.host_id);
      return (await this.#plan(remote, provider, input)).view;
    });
  }

  /**
   * Applies a stored plan (`plan_id`, refused when expired or when the host changed since) or plans and
   * applies the given preview body at once. Under the host lease from the first read to the last write.
   */
  async import(
    providerId: string,
    input: { host_id: string; plan_id: string } | PreviewInput,
    who: Who,
  ): Promise<ImportBatchResult> {
    const { deps } = this;
    return measured(deps.metrics, 'provider.import', async () => {
      const provider = this.provider(providerId);
      const stored =
        'plan_id' in input ? this.#storedPlan(input.plan_id, input.host_id, providerId) : undefined;
      return deps.leases.withHostLease(input.host_id, 'provider.import', async () => {
        const { remote } = deps.connections.open(input.host_id);
        let plan: { view: PlanView; desired: DesiredResource[] };
        if (stored === undefined) {
          plan = await this.#plan(remote, provider, input as PreviewInput);
        } else {
          const desired = this.#desiredFromStored(provider, stored.inputs).resources;
          const snapshot = await readingHost(input.host_id, () =>
            readHostSnapshot(remote, providerId, desired),
          );
          if (snapshot.hash !== stored.view.snapshot_hash) {
            throw new ManagerError(
              'PLAN_STALE',
              `host ${input.host_id} changed since plan ${stored.view.plan_id} was made: preview again`,
              {
                plan_id: stored.view.plan_id,
                plan_hash: stored.view.snapshot_hash,
                host_hash: snapshot.hash,
              },
            );
          }
          plan = { view: stored.view, desired };
        }
        return this.#apply(remote, provider, plan, who);
      });
    });
  }

  /** A provider that can be imported: 404 when unknown, 422 PACK_INVALID when its pack or manifest is not valid. */
  provider(providerId: string): { id: string; packId: string; manifest: ProviderManifest } {
    const found = this.deps.packs.provider(providerId);
    if (found === undefined) throw new ManagerError('NOT_FOUND', `provider ${providerId} not found`);
    if (!found.pack.valid || !found.provider.valid || found.provider.manifest === undefined) {
      throw new ManagerError(
        'PACK_INVALID',
        `provider ${providerId} is in an invalid pack (${found.pack.id}) and cannot be imported`,
        { pack_id: found.pack.id, errors: [...found.pack.errors, ...found.provider.errors] },
      );
    }
    return { id: providerId, packId: found.pack.id, manifest: found.provider.manifest };
  }

  async #plan(
    remote: RemoteResources,
    provider: { id: string; packId: string; manifest: ProviderManifest },
    input: PreviewInput,
  ): Promise<{ view: PlanView; desired: DesiredResource[] }> {
    const { deps } = this;
    const options = input.options ?? {};
    const { resources: desired, warnings } = desiredResources(
      provider.id,
      provider.manifest,
      input.credentials,
      options,
    );
    const snapshot = await readingHost(input.host_id, () => readHostSnapshot(remote, provider.id, desired));
    const planned = planOps(desired, snapshot.resources, recordLookup(deps.store, input.host_id));
    const now = deps.clock();
    // Plans hold sealed credentials: keep expired ones a day (for the batches that name them), then drop them.
    deps.store.plans.pruneExpired(now - 86_400_000);
    const view: PlanView = {
      plan_id: newId('pln', now),
      host_id: input.host_id,
      provider_id: provider.id,
      pack_id: provider.packId,
      snapshot_hash: snapshot.hash,
      created_at: new Date(now).toISOString(),
      expires_at: new Date(now + PLAN_TTL_MS).toISOString(),
      credentials: input.credentials.map((c) => ({
        fingerprint: fingerprint(c.api_key),
        name: c.name ?? null,
      })),
      ops: planned.ops,
      closure: predictClosure(desired, planned.ops, snapshot.resources, new Date(now)),
      warnings: [...warnings, ...planned.warnings],
    };
    const stored: StoredPlan = {
      view,
      inputs: {
        credentials: input.credentials.map((c) => ({
          sealed: deps.secrets.seal(c.api_key),
          name: c.name ?? null,
        })),
        options,
      },
    };
    deps.store.plans.insert({
      id: view.plan_id,
      hostId: input.host_id,
      providerId: provider.id,
      snapshotHash: snapshot.hash,
      plan: stored,
      createdAt: now,
      expiresAt: now + PLAN_TTL_MS,
    });
    return { view, desired };
  }

  /** The desired resources of stored plan inputs (credentials unsealed in memory only). */
  #desiredFromStored(provider: { id: string; manifest: ProviderManifest }, inputs: StoredPlan['inputs']) {
    const credentials: ImportCredential[] = inputs.credentials.map((c) => ({
      api_key: this.deps.secrets.open(c.sealed),
      ...(c.name === null ? {} : { name: c.name }),
    }));
    return desiredResources(provider.id, provider.manifest, credentials, inputs.options);
  }

  #storedPlan(planId: string, hostId: string, providerId: string): StoredPlan {
    const row = this.deps.store.plans.get(planId);
    if (row === undefined || row.hostId !== hostId || row.providerId !== providerId) {
      throw new ManagerError(
        'NOT_FOUND',
        `plan ${planId} not found for provider ${providerId} on host ${hostId}`,
      );
    }
    if (row.expiresAt <= this.deps.clock()) {
      throw new ManagerError(
        'PLAN_EXPIRED',
        `plan ${planId} expired at ${new Date(row.expiresAt).toISOString()}: preview again`,
        { plan_id: planId, expired_at: new Date(row.expiresAt).toISOString() },
      );
    }
    return row.plan as StoredPlan;
  }

  async #apply(
    remote: RemoteResources,
    provider: { id: string; packId: string },
    plan: { view: PlanView; desired: DesiredResource[] },
    who: Who,
  ): Promise<ImportBatchResult> {
    const { deps } = this;
    const hostId = plan.view.host_id;
    const batchId = deps.batches.start({
      hostId,
      providerId: provider.id,
      packId: provider.packId,
      kind: 'import',
      planId: plan.view.plan_id,
      actor: who.actor,
      requestId: who.requestId,
    });
    const createdAt = deps.clock();
    const log = deps.logger.child({ batch_id: batchId, host_id: hostId, provider_id: provider.id });
    let result: Awaited<ReturnType<typeof applyOps>>;
    try {
      result = await applyOps(applyContextOf(deps, remote, log), {
        batchId,
        hostId,
        providerId: provider.id,
        ops: plan.view.ops,
        desired: plan.desired,
      });
    } catch (error) {
      // Not a remote failure (those are journaled items) but a bug or a database error: leave a trace.
      deps.batches.finish(batchId, 'import', 'failed', {
        error: error instanceof Error ? error.message : String(error),
        warnings: plan.view.warnings,
      });
      throw error;
    }
    const status = batchStatusOf(result.items);
    const closure = await deps.access.reportOrError(hostId, provider.id);
    const key = [...result.createdKeys.entries()][0];
    const counts = countItems(result.items);
    const finishedAt = deps.batches.finish(batchId, 'import', status, {
      items: result.items,
      counts,
      warnings: plan.view.warnings,
      closure,
      ...(key === undefined
        ? {}
        : { api_key: { id: key[1].id, natural_key: key[0], key_prefix: key[1].key_prefix } }),
    });
    log.info({ status, counts }, 'import batch finished');
    return {
      batch_id: batchId,
      host_id: hostId,
      provider_id: provider.id,
      kind: 'import',
      status,
      plan_id: plan.view.plan_id,
      resources: result.items,
      closure,
      warnings: plan.view.warnings,
      api_key: key === undefined ? null : { natural_key: key[0], ...key[1] },
      created_at: new Date(createdAt).toISOString(),
      finished_at: new Date(finishedAt).toISOString(),
    };
  }
}
