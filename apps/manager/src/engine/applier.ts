import { AdminApiError } from '@relay/admin-client';
import type { Clock } from '../clock.ts';
import type { SecretBox } from '../crypto/secret-box.ts';
import type { Logger } from '../logger.ts';
import type { Store } from '../store/store.ts';
import type { DesiredResource } from './desired-state.ts';
import { resolvedOwned } from './desired-state.ts';
import type { ImportMetrics } from './import-metrics.ts';
import type { JournalHandle } from './journal.ts';
import { ImportJournal } from './journal.ts';
import { idempotencyKeyOf, isOurs, ownershipLabels, ownershipSelectors } from './labels.ts';
import type { OwnedFields } from './normalize.ts';
import { diffOwned, ownedOfLive } from './normalize.ts';
import type { PlanAction, PlanOp } from './planner.ts';
import type { LiveResource, RemoteResources } from './remote-resources.ts';
import { applyRank, type ResourceType } from './resource-types.ts';
import { classifyWriteError } from './write-errors.ts';

export type ApplyItemStatus =
  | 'created'
  | 'adopted'
  | 'updated'
  | 'unchanged'
  | 'conflict'
  | 'unknown'
  | 'failed'
  | 'skipped';

/** What happened to one planned resource. */
export type ApplyItem = {
  type: ResourceType;
  natural_key: string;
  action: PlanAction;
  status: ApplyItemStatus;
  remote_id: string | null;
  /** The managed-resource record (res_…) this batch wrote, when it wrote one. */
  resource_id: string | null;
  changed_fields?: string[];
  reason?: string;
  error?: string;
  warning?: string;
};

export type ApplyContext = {
  remote: RemoteResources;
  journal: ImportJournal;
  store: Store;
  secrets: SecretBox;
  metrics: ImportMetrics;
  logger: Logger;
};

/** The context every batch applies with: a fresh journal over the store, the service's secrets and metrics. */
export function applyContextOf(
  deps: { store: Store; clock: Clock; secrets: SecretBox; importMetrics: ImportMetrics; logger: Logger },
  remote: RemoteResources,
  logger: Logger = deps.logger,
): ApplyContext {
  return {
    remote,
    journal: new ImportJournal(deps.store, deps.clock),
    store: deps.store,
    secrets: deps.secrets,
    metrics: deps.importMetrics,
    logger,
  };
}

export type ApplyInput = {
  batchId: string;
  hostId: string;
  providerId: string | null;
  ops: readonly PlanOp[];
  desired: readonly DesiredResource[];
  /** Remote ids already known by natural key (a repair resolves references from the records). */
  knownIds?: ReadonlyMap<string, string>;
};

export type ApplyResult = {
  items: ApplyItem[];
  /** Plaintext of the tenant keys created now, by natural key: shown once, never stored. */
  createdKeys: Map<string, { id: string; secret: string; key_prefix: string }>;
};

const BAD: ReadonlySet<ApplyItemStatus> = new Set(['unknown', 'failed', 'skipped']);

/**
 * Applies a plan in the fixed order (users → groups → channels → accounts → bindings → prices → keys), one
 * journaled write at a time: journal `pending` → write with an Idempotency-Key derived from (batch, natural
 * key) and the ownership labels → read back → `confirmed`, or `unknown`/`failed`. It carries on where it is
 * safe: a resource whose dependency did not end confirmed is `skipped`, everything else still runs.
 */
export async function applyOps(ctx: ApplyContext, input: ApplyInput): Promise<ApplyResult> {
  const desiredByKey = new Map(input.desired.map((d) => [d.naturalKey, d]));
  const ids = new Map<string, string>(input.knownIds ?? []);
  const statusOf = new Map<string, ApplyItemStatus>();
  const typeOf = new Map(input.ops.map((op) => [op.natural_key, op.type]));
  const items: ApplyItem[] = [];
  const createdKeys: ApplyResult['createdKeys'] = new Map();
  const ordered = [...input.ops].sort((a, b) => applyRank(a.type) - applyRank(b.type));

  for (const op of ordered) {
    const resource = desiredByKey.get(op.natural_key);
    const item = (status: ApplyItemStatus, extra: Partial<ApplyItem> = {}): ApplyItem => ({
      type: op.type,
      natural_key: op.natural_key,
      action: op.action,
      status,
      remote_id: op.remote_id ?? null,
      resource_id: null,
      ...(op.changed_fields === undefined ? {} : { changed_fields: op.changed_fields }),
      ...(op.reason === undefined ? {} : { reason: op.reason }),
      ...extra,
    });
    const finish = (result: ApplyItem) => {
      items.push(result);
      statusOf.set(op.natural_key, result.status);
      if (result.remote_id !== null && !BAD.has(result.status)) ids.set(op.natural_key, result.remote_id);
    };

    const blocked = (op.depends_on ?? []).find((dep) => {
      const status = statusOf.get(dep);
      if (status === undefined) return ids.get(dep) === undefined;
      if (status === 'conflict') return typeOf.get(dep) !== 'group';
      return BAD.has(status);
    });
    if (op.action !== 'conflict' && op.action !== 'no-op' && blocked !== undefined) {
      finish(
        item('skipped', {
          reason: `skipped: ${blocked} did not end confirmed (${statusOf.get(blocked) ?? 'absent'})`,
        }),
      );
      continue;
    }
    if (op.action === 'no-op') {
      finish(item('unchanged'));
      continue;
    }
    if (op.action === 'conflict') {
      finish(item('conflict'));
      continue;
    }
    if (resource === undefined) {
      finish(item('failed', { error: `no desired state for ${op.natural_key}` }));
      continue;
    }
    const idOf = (key: string) => ids.get(key);
    const owned = resolvedOwned(resource, idOf);
    const writer = new ResourceWriter(ctx, input, resource, owned);
    const result =
      op.action === 'create'
        ? await writer.create()
        : op.action === 'adopt'
          ? await writer.adopt(requireRemote(op), op.remote_version, op.changed_fields ?? [])
          : await writer.update(requireRemote(op), op.remote_version, op.changed_fields ?? []);
    finish({ ...item(result.status), ...result.item });
    if (result.secret !== undefined && result.item.remote_id) {
      createdKeys.set(op.natural_key, result.secret);
    }
  }
  return { items, createdKeys };
}

function requireRemote(op: PlanOp): string {
  if (op.remote_id === undefined) throw new Error(`${op.action} of ${op.natural_key} has no remote id`);
  return op.remote_id;
}

type WriteResult = {
  status: ApplyItemStatus;
  item: Partial<ApplyItem>;
  secret?: { id: string; secret: string; key_prefix: string };
};

/** The journaled writes of one resource. */
class ResourceWriter {
  constructor(
    private readonly ctx: ApplyContext,
    private readonly input: ApplyInput,
    private readonly resource: DesiredResource,
    private readonly owned: OwnedFields,
  ) {}

  get #key(): string {
    return this.resource.naturalKey;
  }

  async create(): Promise<WriteResult> {
    const { ctx, input, resource } = this;
    // An earlier write of this key ended unknown: look it up by its labels first, never create blindly.
    const unresolved = ctx.store.resources.findByNaturalKey(input.hostId, this.#key, ['pending', 'unknown']);
    if (unresolved.length > 0) {
      let found: LiveResource[];
      try {
        found = await ctx.remote.list(resource.type, {
          label: ownershipSelectors({ naturalKey: this.#key }),
        });
      } catch (error) {
        const failure = classifyWriteError(error);
        return {
          status: 'skipped',
          item: {
            reason: `an earlier write of ${this.#key} ended unknown and the label lookup failed: ${failure.error}`,
          },
        };
      }
      const existing = found[0];
      if (existing !== undefined) {
        const changed = diffOwned(resource.type, this.owned, ownedOfLive(resource.type, existing));
        const adopted = await this.adopt(existing.id, existing.version, changed);
        return {
          ...adopted,
          item: {
            ...adopted.item,
            action: 'adopt',
            reason: `an earlier write of ${this.#key} ended unknown; found by its labels (${existing.id}) and adopted`,
          },
        };
      }
    }

    const idempotencyKey = idempotencyKeyOf(input.batchId, this.#key);
    const handle = ctx.journal.begin('create', {
      batchId: input.batchId,
      hostId: input.hostId,
      providerId: input.providerId,
      resource,
      owned: this.owned,
      idempotencyKey,
      sealedSecret: resource.secret === undefined ? undefined : ctx.secrets.seal(resource.secret),
    });
    const body = {
      ...resource.createFields,
      ...this.#bodyOf(Object.keys(this.owned)),
      labels: ownershipLabels({
        batchId: input.batchId,
        providerId: input.providerId,
        naturalKey: this.#key,
      }),
    };
    let created: Awaited<ReturnType<RemoteResources['create']>>;
    try {
      created = await ctx.remote.create(resource.type, body, idempotencyKey);
    } catch (error) {
      return this.#failed(handle, error);
    }
    const remoteId = created.resource.id;
    const readBack = await this.#readBack(remoteId);
    ctx.journal.confirm(handle, {
      remoteId,
      httpStatus: created.replayed ? 200 : 201,
      owned: this.owned,
      ...(readBack.warning === undefined ? {} : { error: readBack.warning }),
    });
    ctx.journal.supersede(input.hostId, this.#key, handle.resourceId, {
      found: false,
      batchId: input.batchId,
    });
    this.#count('create', 'confirmed');
    return {
      status: 'created',
      item: {
        remote_id: remoteId,
        resource_id: handle.resourceId,
        ...(readBack.warning === undefined ? {} : { warning: readBack.warning }),
      },
      ...(created.secret === undefined
        ? {}
        : {
            secret: {
              id: remoteId,
              secret: created.secret,
              key_prefix: String(created.resource.key_prefix ?? ''),
            },
          }),
    };
  }

  /** Takes over a resource that carries our labels but is not recorded, restoring differing owned fields. */
  async adopt(
    remoteId: string,
    version: number | undefined,
    changed: readonly string[],
  ): Promise<WriteResult> {
    const { ctx, input, resource } = this;
    const handle = ctx.journal.begin('adopt', {
      batchId: input.batchId,
      hostId: input.hostId,
      providerId: input.providerId,
      resource,
      owned: this.owned,
      remoteId,
      sealedSecret: resource.secret === undefined ? undefined : ctx.secrets.seal(resource.secret),
    });
    const patched = await this.#patch(handle, remoteId, version, changed);
    if (patched !== undefined) return patched;
    ctx.journal.supersede(input.hostId, this.#key, handle.resourceId, {
      found: true,
      remoteId,
      batchId: input.batchId,
    });
    this.#count('adopt', 'confirmed');
    const warning =
      resource.type === 'api_key'
        ? 'the key was created earlier but its answer was lost: its secret cannot be shown; rotate it to get one'
        : undefined;
    return {
      status: 'adopted',
      item: { remote_id: remoteId, resource_id: handle.resourceId, ...(warning ? { warning } : {}) },
    };
  }

  /** Restores owned fields of a recorded resource; journaled in this batch against the existing record. */
  async update(
    remoteId: string,
    version: number | undefined,
    changed: readonly string[],
  ): Promise<WriteResult> {
    const { ctx, input } = this;
    const record = ctx.store.resources
      .findByNaturalKey(input.hostId, this.#key, ['created', 'adopted'])
      .find((r) => r.remoteId === remoteId);
    if (record === undefined) {
      return { status: 'failed', item: { error: `no record of ${remoteId} to update` } };
    }
    const handle = ctx.journal.beginChange('update', {
      batchId: input.batchId,
      resourceId: record.id,
      remoteId,
    });
    const patched = await this.#patch(handle, remoteId, version, changed);
    if (patched !== undefined) return patched;
    this.#count('update', 'confirmed');
    return { status: 'updated', item: { remote_id: remoteId, resource_id: record.id } };
  }

  /** PATCHes `changed` (If-Match the version read), reads back and confirms; a result only on failure. */
  async #patch(
    handle: JournalHandle,
    remoteId: string,
    version: number | undefined,
    changed: readonly string[],
  ): Promise<WriteResult | undefined> {
    const { ctx, resource } = this;
    if (changed.length > 0) {
      if (changed.includes('credential_fingerprint') && resource.secret === undefined) {
        ctx.journal.fail(handle, {
          error: 'the credential differs and no credential is at hand to restore it',
        });
        this.#count(handle.action, 'failed');
        return {
          status: 'failed',
          item: { remote_id: remoteId, error: 'credential differs; pass it to restore it' },
        };
      }
      try {
        await ctx.remote.update(resource.type, remoteId, this.#bodyOf(changed), version);
      } catch (error) {
        // 412: the version moved, possibly because our own earlier attempt applied; compare before failing.
        if (!(error instanceof AdminApiError && error.status === 412)) return this.#failed(handle, error);
        const now = await this.#readBack(remoteId);
        if (
          now.live === undefined ||
          diffOwned(resource.type, this.owned, ownedOfLive(resource.type, now.live)).length > 0
        ) {
          return this.#failed(handle, error);
        }
      }
    }
    const readBack = await this.#readBack(remoteId);
    ctx.journal.confirm(handle, {
      remoteId,
      httpStatus: 200,
      owned: this.owned,
      ...(readBack.warning === undefined ? {} : { error: readBack.warning }),
    });
    return undefined;
  }

  async #readBack(remoteId: string): Promise<{ live?: LiveResource; warning?: string }> {
    try {
      const live = await this.ctx.remote.get(this.resource.type, remoteId);
      if (live === undefined) return { warning: `read-back: ${remoteId} not found right after the write` };
      if (!isOurs(live.labels, this.#key)) return { live, warning: 'read-back: ownership labels missing' };
      const drift = diffOwned(this.resource.type, this.owned, ownedOfLive(this.resource.type, live));
      return drift.length === 0 ? { live } : { live, warning: `read-back: ${drift.join(', ')} differ` };
    } catch (error) {
      return { warning: `read-back failed: ${classifyWriteError(error).error}` };
    }
  }

  #failed(handle: JournalHandle, error: unknown): WriteResult {
    const failure = classifyWriteError(error);
    if (failure.state === 'unknown') this.ctx.journal.unknown(handle, failure);
    else this.ctx.journal.fail(handle, failure);
    this.#count(handle.action, failure.state);
    this.ctx.logger.warn(
      {
        batch_id: this.input.batchId,
        natural_key: this.#key,
        type: this.resource.type,
        outcome: failure.state,
        err: failure.error,
      },
      'remote write did not confirm',
    );
    return {
      status: failure.state,
      item: {
        resource_id: handle.action === 'create' || handle.action === 'adopt' ? handle.resourceId : null,
        error: failure.error,
      },
    };
  }

  /** Request fields for owned `fields`: the credential fingerprint stands for the credential itself. */
  #bodyOf(fields: readonly string[]): Record<string, unknown> {
    const body: Record<string, unknown> = {};
    for (const field of fields) {
      if (field === 'credential_fingerprint') {
        if (this.resource.secret !== undefined) body.credential = this.resource.secret;
      } else if (field in this.owned) {
        body[field] = this.owned[field];
      }
    }
    return body;
  }

  #count(action: string, outcome: string): void {
    this.ctx.metrics.remoteWrites.inc({ type: this.resource.type, action, outcome });
  }
}

/** succeeded: nothing failed; partial: something failed and something else holds; failed: nothing holds. */
export function batchStatusOf(items: readonly ApplyItem[]): 'succeeded' | 'partial' | 'failed' {
  if (!items.some((i) => BAD.has(i.status))) return 'succeeded';
  return items.some((i) => !BAD.has(i.status) && i.status !== 'conflict') ? 'partial' : 'failed';
}
