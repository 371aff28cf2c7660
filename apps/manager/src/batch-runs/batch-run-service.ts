import type { ProviderManifest } from '@relay/manifests';
import type { Clock } from '../clock.ts';
import type { SecretBox } from '../crypto/secret-box.ts';
import { fingerprint } from '../crypto/secret-box.ts';
import type { ImportBatchStatus } from '../db/schema.ts';
import { applyContextOf, applyOps } from '../engine/applier.ts';
import type { BatchRecorder } from '../engine/batches.ts';
import type { ImportOptions } from '../engine/desired-state.ts';
import { desiredResources } from '../engine/desired-state.ts';
import type { HostConnections } from '../engine/host-connection.ts';
import { readingHost } from '../engine/host-connection.ts';
import { readHostSnapshot } from '../engine/host-snapshot.ts';
import type { ImportMetrics } from '../engine/import-metrics.ts';
import { planOps } from '../engine/planner.ts';
import { recordLookup } from '../engine/records.ts';
import type { LiveResource, RemoteResources } from '../engine/remote-resources.ts';
import { ManagerError } from '../errors.ts';
import type { HostLeases } from '../hosts/host-lease.ts';
import { newId } from '../ids.ts';
import type { ImportService } from '../imports/import-service.ts';
import type { Logger } from '../logger.ts';
import type { BatchItemRow, BatchRunRow, BatchRunStatus } from '../store/batch-runs-repo.ts';
import type { Page } from '../store/page.ts';
import { page } from '../store/page.ts';
import type { Store } from '../store/store.ts';
import type { BatchRunMetrics } from './batch-run-metrics.ts';
import { importItem } from './item-import.ts';
import type { ItemJob, ItemQueue } from './item-queue.ts';

export type BatchRunOptions = ImportOptions & { verify?: boolean | undefined };

export type CreateRunInput = {
  host_id: string;
  provider_id: string;
  items: { api_key: string; name?: string | undefined }[];
  options?: BatchRunOptions | undefined;
};

type Who = { actor: string; requestId?: string | undefined };

export type RunCounts = {
  total: number;
  pending: number;
  running: number;
  succeeded: number;
  failed: number;
  skipped: number;
};

export type RunView = {
  run_id: string;
  host_id: string;
  provider_id: string;
  status: BatchRunStatus;
  batch_id: string | null;
  options: Record<string, unknown>;
  counts: RunCounts;
  progress: { done: number; total: number; percent: number };
  error: string | null;
  actor: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
};

export type ItemView = {
  index: number;
  name: string | null;
  credential_fingerprint: string;
  status: BatchItemRow['status'];
  remote_write: BatchItemRow['remoteWrite'];
  resource_ids: string[];
  account_id: string | null;
  error: string | null;
  updated_at: string;
};

const ACTIVE: readonly BatchRunStatus[] = ['queued', 'running'];
const LEASE_WAIT_MS = 10 * 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

export type BatchRunServiceDeps = {
  store: Store;
  imports: ImportService;
  connections: HostConnections;
  secrets: SecretBox;
  leases: HostLeases;
  batches: BatchRecorder;
  queue: ItemQueue;
  importMetrics: ImportMetrics;
  runMetrics: BatchRunMetrics;
  clock: Clock;
  logger: Logger;
};

type RunContext = {
  remote: RemoteResources;
  manifest: ProviderManifest;
  options: BatchRunOptions;
  group: { naturalKey: string; live: LiveResource };
};

/**
 * Batch-import runs (manager.md §8): many credentials imported into one provider's group, each item an
 * idempotent import through the write engine, processed from the item queue with bounded concurrency.
 * The run holds the host lease from its first write to its last item; its state lives in SQLite, so a
 * restarted manager finds running runs, marks them `interrupted`, and a resume re-checks every item whose
 * write may have gone through by its label before writing.
 */
export class BatchRunService {
  readonly #contexts = new Map<string, Promise<RunContext>>();
  readonly #waiters = new Map<string, () => void>();
  readonly #drivers = new Set<Promise<void>>();
  #closed = false;

  constructor(private readonly deps: BatchRunServiceDeps) {}

  /** After a restart: runs that were running are `interrupted`, their in-flight items back to pending with an unknown write. */
  async recoverAfterRestart(): Promise<string[]> {
    const { store, clock } = this.deps;
    const interrupted: string[] = [];
    for (const run of store.batchRuns.withStatus(ACTIVE)) {
      store.batchRuns.resetRunningItems(run.id, clock());
      store.batchRuns.update(run.id, {
        status: 'interrupted',
        error: 'the manager stopped while this run was active; resume it to finish',
        counts: store.batchRuns.counts(run.id),
      });
      await this.deps.queue.drop(run.id);
      interrupted.push(run.id);
    }
    if (interrupted.length > 0)
      this.deps.logger.warn({ run_ids: interrupted }, 'batch runs interrupted by a restart');
    return interrupted;
  }

  /** Starts the item workers. */
  start(): void {
    this.deps.queue.start((job) => this.#processItem(job));
  }

  create(input: CreateRunInput, who: Who): RunView {
    const { store, clock, secrets } = this.deps;
    this.deps.connections.host(input.host_id);
    const provider = this.deps.imports.provider(input.provider_id);
    // Fails now (422/400) on bad options rather than in every item.
    desiredResources(provider.id, provider.manifest, [], input.options ?? {});
    const now = clock();
    const runId = newId('run', now);
    const seen = new Map<string, number>();
    const items = input.items.map((item, index) => {
      const print = fingerprint(item.api_key);
      const first = seen.get(print);
      if (first === undefined) seen.set(print, index);
      return {
        runId,
        idx: index,
        status: first === undefined ? ('pending' as const) : ('skipped' as const),
        remoteWrite: 'none' as const,
        name: item.name ?? null,
        credentialCiphertext: secrets.seal(item.api_key),
        credentialFingerprint: print,
        resourceIds: [],
        error: first === undefined ? null : `the same credential as item ${first}`,
        updatedAt: now,
      };
    });
    store.batchRuns.insert(
      {
        id: runId,
        hostId: input.host_id,
        providerId: provider.id,
        status: 'queued',
        options: { ...(input.options ?? {}) },
        counts: {},
        actor: who.actor,
        requestId: who.requestId ?? null,
        createdAt: now,
      },
      items,
    );
    this.deps.logger.info(
      { run_id: runId, host_id: input.host_id, provider_id: provider.id, items: items.length },
      'batch run queued',
    );
    this.#drive(runId);
    return this.get(runId);
  }

  get(runId: string): RunView {
    return this.#view(this.#run(runId));
  }

  list(hostId: string | undefined, limit: number, cursor?: string): Page<RunView> {
    return page(this.deps.store.batchRuns.list({ hostId }, limit + 1, cursor), limit, (row) =>
      this.#view(row),
    );
  }

  items(
    runId: string,
    limit: number,
    cursor?: number,
    status?: BatchItemRow['status'],
  ): { items: ItemView[]; next_cursor: string | null } {
    this.#run(runId);
    const rows = this.deps.store.batchRuns.items(runId, limit + 1, cursor ?? -1, status);
    const shown = rows.slice(0, limit);
    return {
      items: shown.map((row) => this.#itemView(row)),
      next_cursor: rows.length > limit ? String(shown[shown.length - 1]?.idx ?? '') : null,
    };
  }

  async cancel(runId: string): Promise<RunView> {
    const { store, clock } = this.deps;
    const run = this.#run(runId);
    if (!store.batchRuns.transition(runId, ['queued', 'running', 'interrupted'], { status: 'cancelled' })) {
      throw new ManagerError(
        'CONFLICT',
        `run ${runId} is ${run.status}: only a queued, running or interrupted run can be cancelled`,
      );
    }
    await this.deps.queue.drop(runId);
    store.batchRuns.skipPending(runId, 'the run was cancelled', clock());
    this.deps.logger.info({ run_id: runId }, 'batch run cancelled');
    this.#maybeFinish(runId);
    return this.get(runId);
  }

  resume(runId: string): RunView {
    const { store, clock } = this.deps;
    const run = this.#run(runId);
    if (!store.batchRuns.transition(runId, ['interrupted'], { status: 'queued', error: null })) {
      throw new ManagerError(
        'RUN_NOT_RESUMABLE',
        `run ${runId} is ${run.status}: only an interrupted run can be resumed`,
      );
    }
    store.batchRuns.requeueUnknown(runId, clock());
    this.deps.logger.info({ run_id: runId }, 'batch run resumed');
    this.#drive(runId);
    return this.get(runId);
  }

  /** Stops taking items; runs still active are found `interrupted` at the next start. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const wake of this.#waiters.values()) wake();
    await this.deps.queue.close();
    await Promise.allSettled([...this.#drivers]);
  }

  /** Runs a run in the background under the host lease: prepare the group, enqueue the items, wait for them. */
  #drive(runId: string): void {
    const driver = this.#runUnderLease(runId)
      .catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        this.deps.logger.error({ run_id: runId, err: message }, 'batch run failed');
        if (
          this.deps.store.batchRuns.transition(runId, ACTIVE, {
            status: 'failed',
            error: message,
            finishedAt: this.deps.clock(),
          })
        ) {
          this.deps.store.batchRuns.skipPending(runId, `the run failed: ${message}`, this.deps.clock());
          this.#record(runId);
        }
      })
      .finally(() => {
        this.#drivers.delete(driver);
        this.#contexts.delete(runId);
      });
    this.#drivers.add(driver);
  }

  async #runUnderLease(runId: string): Promise<void> {
    const run = this.#run(runId);
    const deadline = this.deps.clock() + LEASE_WAIT_MS;
    for (;;) {
      if (this.#closed || this.#run(runId).status !== 'queued') return;
      try {
        await this.deps.leases.withHostLease(run.hostId, 'batch-import', () => this.#runLeased(runId));
        return;
      } catch (error) {
        if (!(error instanceof ManagerError && error.code === 'HOST_BUSY') || this.deps.clock() > deadline)
          throw error;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  async #runLeased(runId: string): Promise<void> {
    const { store, clock } = this.deps;
    let run = this.#run(runId);
    if (run.batchId === null) {
      const batchId = this.deps.batches.start({
        hostId: run.hostId,
        providerId: run.providerId,
        kind: 'batch',
        actor: run.actor,
        requestId: run.requestId ?? undefined,
      });
      store.batchRuns.update(runId, { batchId });
      run = this.#run(runId);
    }
    const context = this.#prepare(run);
    this.#contexts.set(runId, context);
    await context;
    const finished = new Promise<void>((resolve) => this.#waiters.set(runId, resolve));
    if (
      !store.batchRuns.transition(runId, ['queued'], {
        status: 'running',
        startedAt: run.startedAt ?? clock(),
      })
    ) {
      this.#waiters.delete(runId);
      return;
    }
    const pending = store.batchRuns.pendingIndexes(runId);
    await this.deps.queue.enqueue(pending.map((index) => ({ runId, index })));
    this.#maybeFinish(runId);
    await finished;
  }

  /** Plans and applies the run's group (and the provider's prices) once, before any item. */
  async #prepare(run: BatchRunRow): Promise<RunContext> {
    const { deps } = this;
    const provider = deps.imports.provider(run.providerId);
    const options = run.options as BatchRunOptions;
    const { remote } = deps.connections.open(run.hostId);
    const { resources } = desiredResources(provider.id, provider.manifest, [], {
      ...options,
      create_api_key: false,
    });
    const snapshot = await readingHost(run.hostId, () => readHostSnapshot(remote, provider.id, resources));
    const planned = planOps(resources, snapshot.resources, recordLookup(deps.store, run.hostId));
    const log = deps.logger.child({ run_id: run.id, batch_id: run.batchId });
    const result = await applyOps(applyContextOf(deps, remote, log), {
      batchId: run.batchId ?? '',
      hostId: run.hostId,
      providerId: provider.id,
      ops: planned.ops,
      desired: resources,
    });
    const groupItem = result.items.find((i) => i.type === 'group');
    const groupKey = resources.find((r) => r.type === 'group')?.naturalKey;
    const usable =
      groupItem !== undefined &&
      groupItem.remote_id !== null &&
      !['unknown', 'failed', 'skipped'].includes(groupItem.status);
    if (!usable || groupKey === undefined || groupItem.remote_id === null) {
      throw new Error(
        `the provider's group could not be prepared: ${groupItem?.error ?? groupItem?.status ?? 'not planned'}`,
      );
    }
    const live = await remote.get('group', groupItem.remote_id);
    if (live === undefined) throw new Error(`group ${groupItem.remote_id} vanished while the run started`);
    return { remote, manifest: provider.manifest, options, group: { naturalKey: groupKey, live } };
  }

  async #processItem(job: ItemJob): Promise<void> {
    const { store, clock, secrets } = this.deps;
    const run = store.batchRuns.get(job.runId);
    if (run === undefined) {
      // A job of another manager sharing this Redis (same MANAGER_QUEUE_PREFIX): it is lost to that manager.
      this.deps.logger.error(
        { run_id: job.runId, index: job.index },
        'batch item job of an unknown run: managers sharing one Redis need distinct MANAGER_QUEUE_PREFIX values',
      );
      return;
    }
    if (run.status !== 'running') return;
    if (!store.batchRuns.claim(job.runId, job.index, clock())) return;
    const item = store.batchRuns.item(job.runId, job.index);
    if (item === undefined) return;
    const started = performance.now();
    const log = this.deps.logger.child({
      run_id: run.id,
      index: job.index,
      credential: item.credentialFingerprint,
    });
    let outcome: Awaited<ReturnType<typeof importItem>>;
    try {
      const context = await this.#context(run);
      outcome = await importItem(applyContextOf(this.deps, context.remote, log), {
        batchId: run.batchId ?? '',
        hostId: run.hostId,
        providerId: run.providerId,
        manifest: context.manifest,
        options: context.options,
        group: context.group,
        credential: { api_key: secrets.open(item.credentialCiphertext), name: item.name ?? undefined },
        records: recordLookup(store, run.hostId),
        verify: context.options.verify === true,
      });
    } catch (error) {
      outcome = {
        status: 'failed',
        // Nothing says the write did not happen: a resume re-checks by label.
        remoteWrite: 'unknown',
        resourceIds: [],
        accountId: null,
        error: error instanceof Error ? error.message : String(error),
      };
    }
    store.batchRuns.updateItem(job.runId, job.index, {
      status: outcome.status,
      remoteWrite: outcome.remoteWrite,
      resourceIds:
        outcome.accountId === null
          ? outcome.resourceIds
          : [...outcome.resourceIds, `account:${outcome.accountId}`],
      error: outcome.error,
      updatedAt: clock(),
    });
    this.deps.runMetrics.items.inc({ status: outcome.status });
    this.deps.runMetrics.itemSeconds.observe((performance.now() - started) / 1000);
    if (outcome.status === 'failed')
      log.warn({ error: outcome.error, remote_write: outcome.remoteWrite }, 'batch item failed');
    this.#maybeFinish(job.runId);
  }

  /** The prepared context of a run; a worker of another process prepares it again (idempotent: a no-op plan). */
  #context(run: BatchRunRow): Promise<RunContext> {
    let context = this.#contexts.get(run.id);
    if (context === undefined) {
      context = this.#prepare(run);
      this.#contexts.set(run.id, context);
      context.catch(() => this.#contexts.delete(run.id));
    }
    return context;
  }

  /** Ends the run once no item is pending or running: succeeded, partial or failed (a cancelled run stays cancelled). */
  #maybeFinish(runId: string): void {
    const { store, clock } = this.deps;
    const counts = store.batchRuns.counts(runId);
    store.batchRuns.update(runId, { counts });
    if (counts.pending + counts.running > 0) return;
    const run = this.#run(runId);
    if (run.status === 'running') {
      const status: BatchRunStatus =
        counts.failed === 0 ? 'succeeded' : counts.succeeded === 0 ? 'failed' : 'partial';
      if (store.batchRuns.transition(runId, ['running'], { status, finishedAt: clock() }))
        this.#record(runId);
    } else if (run.status === 'cancelled' && run.finishedAt === null) {
      store.batchRuns.update(runId, { finishedAt: clock() });
      this.#record(runId);
    } else return;
    const wake = this.#waiters.get(runId);
    this.#waiters.delete(runId);
    wake?.();
  }

  /** Closes the run's import batch and logs the outcome. */
  #record(runId: string): void {
    const run = this.#run(runId);
    const counts = this.deps.store.batchRuns.counts(runId);
    this.deps.runMetrics.runs.inc({ status: run.status });
    if (run.batchId !== null) {
      const batchStatus: ImportBatchStatus =
        run.status === 'succeeded' ? 'succeeded' : counts.succeeded > 0 ? 'partial' : 'failed';
      this.deps.batches.finish(run.batchId, 'batch', batchStatus, { run_id: runId, counts });
    }
    this.deps.logger.info({ run_id: runId, status: run.status, counts }, 'batch run finished');
  }

  #run(runId: string): BatchRunRow {
    const run = this.deps.store.batchRuns.get(runId);
    if (run === undefined) throw new ManagerError('NOT_FOUND', `no batch-import run ${runId}`);
    return run;
  }

  #view(row: BatchRunRow): RunView {
    const c = this.deps.store.batchRuns.counts(row.id);
    const total = c.pending + c.running + c.succeeded + c.failed + c.skipped;
    const done = c.succeeded + c.failed + c.skipped;
    return {
      run_id: row.id,
      host_id: row.hostId,
      provider_id: row.providerId,
      status: row.status,
      batch_id: row.batchId,
      options: row.options,
      counts: { total, ...c },
      progress: { done, total, percent: total === 0 ? 100 : Math.floor((done * 100) / total) },
      error: row.error,
      actor: row.actor,
      created_at: iso(row.createdAt),
      started_at: isoOrNull(row.startedAt),
      finished_at: isoOrNull(row.finishedAt),
    };
  }

  #itemView(row: BatchItemRow): ItemView {
    const account = row.resourceIds.find((id) => id.startsWith('account:'));
    return {
      index: row.idx,
      name: row.name,
      credential_fingerprint: row.credentialFingerprint,
      status: row.status,
      remote_write: row.remoteWrite,
      resource_ids: row.resourceIds.filter((id) => !id.startsWith('account:')),
      account_id: account === undefined ? null : account.slice('account:'.length),
      error: row.error,
      updated_at: iso(row.updatedAt),
    };
  }
}
