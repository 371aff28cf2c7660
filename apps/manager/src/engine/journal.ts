import type { Clock } from '../clock.ts';
import type { ManagedResourceStatus } from '../db/schema.ts';
import { newId } from '../ids.ts';
import type { Store } from '../store/store.ts';
import type { DesiredResource } from './desired-state.ts';
import type { OwnedFields } from './normalize.ts';

/**
 * The write-ahead journal of remote writes (manager.md §6). Before a write, the intended resource is recorded
 * `pending`; after the gateway answers, `confirmed` with the remote id, `failed` when it refused, or `unknown`
 * when no readable answer came back (timeout, 5xx, connection cut). An `unknown` write is resolved later by
 * looking the resource up by its labels — `confirmed` when found, `failed` when not — never by writing blindly.
 * Every method is one synchronous SQLite transaction; the remote I/O happens between them (style.md rule 7).
 */

export type JournalState = 'pending' | 'confirmed' | 'unknown' | 'failed';
export type JournalAction = 'create' | 'update' | 'delete' | 'adopt';

export const JOURNAL_TRANSITIONS: Readonly<Record<JournalState, readonly JournalState[]>> = {
  pending: ['confirmed', 'unknown', 'failed'],
  unknown: ['confirmed', 'failed'],
  confirmed: [],
  failed: [],
};

export class JournalTransitionError extends Error {
  constructor(
    readonly from: string,
    readonly to: JournalState,
  ) {
    super(`journal entry cannot go from ${from} to ${to}`);
    this.name = 'JournalTransitionError';
  }
}

export function canTransition(from: JournalState, to: JournalState): boolean {
  return JOURNAL_TRANSITIONS[from].includes(to);
}

/** What the managed resource becomes when an entry of `action` reaches `state` (undefined: unchanged). */
export function resourceStatusAfter(
  action: JournalAction,
  state: JournalState,
): ManagedResourceStatus | undefined {
  if (action === 'create' || action === 'adopt') {
    if (state === 'confirmed') return action === 'create' ? 'created' : 'adopted';
    if (state === 'pending') return 'pending';
    return state;
  }
  if (action === 'delete' && state === 'confirmed') return 'deleted';
  return undefined;
}

export type JournalHandle = { entryId: string; resourceId: string; action: JournalAction };

export type Outcome = { httpStatus?: number | undefined; error?: string | undefined };

export type BeginResourceInput = {
  batchId: string;
  hostId: string;
  providerId: string | null;
  resource: DesiredResource;
  owned: OwnedFields;
  idempotencyKey?: string | undefined;
  /** Adopt: the id of the resource found on the host. */
  remoteId?: string | undefined;
  sealedSecret?: string | undefined;
};

export class ImportJournal {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** Records the intent to create (or adopt) a resource: a `pending` resource and a `pending` entry. */
  begin(action: 'create' | 'adopt', input: BeginResourceInput): JournalHandle {
    const now = this.clock();
    const resourceId = newId('res', now);
    const entryId = newId('jrn', now);
    this.store.transaction(() => {
      this.store.resources.insert({
        id: resourceId,
        hostId: input.hostId,
        batchId: input.batchId,
        providerId: input.providerId,
        type: input.resource.type,
        naturalKey: input.resource.naturalKey,
        remoteId: input.remoteId ?? null,
        status: 'pending',
        secretFingerprint: input.resource.secretFingerprint ?? null,
        secretCiphertext: input.sealedSecret ?? null,
        ownedFields: input.owned,
        createFields: input.resource.createFields,
        refs: { ...input.resource.refs },
        createdAt: now,
        updatedAt: now,
      });
      this.#insertEntry(
        entryId,
        input.batchId,
        resourceId,
        action,
        input.idempotencyKey,
        input.remoteId,
        now,
      );
    });
    return { entryId, resourceId, action };
  }

  /** Records the intent to change (update) or delete an already recorded resource, in `batchId`'s journal. */
  beginChange(
    action: 'update' | 'delete',
    input: { batchId: string; resourceId: string; remoteId: string | null },
  ): JournalHandle {
    const now = this.clock();
    const entryId = newId('jrn', now);
    this.store.transaction(() => {
      this.#insertEntry(
        entryId,
        input.batchId,
        input.resourceId,
        action,
        undefined,
        input.remoteId ?? undefined,
        now,
      );
    });
    return { entryId, resourceId: input.resourceId, action };
  }

  /** The gateway confirmed the write. `owned` replaces the recorded owned fields (create, adopt, update). */
  confirm(
    handle: JournalHandle,
    result: Outcome & { remoteId?: string | undefined; owned?: OwnedFields | undefined },
  ): void {
    this.#transition(handle, 'confirmed', result, (now) => ({
      ...(result.remoteId === undefined ? {} : { remoteId: result.remoteId }),
      ...(result.owned === undefined ? {} : { ownedFields: result.owned }),
      updatedAt: now,
    }));
  }

  /** No readable answer: the write may or may not have happened. */
  unknown(handle: JournalHandle, outcome: Outcome): void {
    this.#transition(handle, 'unknown', outcome, (now) => ({ updatedAt: now }));
  }

  /** The gateway refused the write: nothing was written. */
  fail(handle: JournalHandle, outcome: Outcome): void {
    this.#transition(handle, 'failed', outcome, (now) => ({ updatedAt: now }));
  }

  /**
   * A later batch resolved this natural key (`byResourceId`): earlier records of it stop counting as
   * recorded (`superseded`), and their unresolved entries are settled by what the label lookup found.
   */
  supersede(
    hostId: string,
    naturalKey: string,
    byResourceId: string,
    lookup: { found: boolean; remoteId?: string | undefined; batchId: string },
  ): void {
    const now = this.clock();
    this.store.transaction(() => {
      const older = this.store.resources
        .findByNaturalKey(hostId, naturalKey, ['pending', 'unknown', 'created', 'adopted'])
        .filter((r) => r.id !== byResourceId);
      for (const record of older) {
        const unresolved = record.status === 'pending' || record.status === 'unknown';
        this.store.resources.update(record.id, {
          status: 'superseded',
          ...(unresolved && lookup.found && lookup.remoteId !== undefined
            ? { remoteId: lookup.remoteId }
            : {}),
          updatedAt: now,
        });
        if (!unresolved) continue;
        for (const entry of this.store.journal.listByBatch(record.batchId)) {
          if (entry.resourceId !== record.id) continue;
          if (entry.state !== 'pending' && entry.state !== 'unknown') continue;
          this.store.journal.update(entry.id, {
            state: lookup.found ? 'confirmed' : 'failed',
            ...(lookup.found && lookup.remoteId !== undefined ? { remoteId: lookup.remoteId } : {}),
            error: lookup.found
              ? `resolved by batch ${lookup.batchId}: found by its labels, the write had gone through`
              : `resolved by batch ${lookup.batchId}: not found by its labels, the write never took effect`,
            updatedAt: now,
          });
        }
      }
    });
  }

  #insertEntry(
    id: string,
    batchId: string,
    resourceId: string,
    action: JournalAction,
    idempotencyKey: string | undefined,
    remoteId: string | undefined,
    now: number,
  ): void {
    this.store.journal.insert({
      id,
      batchId,
      resourceId,
      seq: this.store.journal.nextSeq(batchId),
      action,
      state: 'pending',
      idempotencyKey: idempotencyKey ?? null,
      remoteId: remoteId ?? null,
      httpStatus: null,
      error: null,
      createdAt: now,
      updatedAt: now,
    });
  }

  #transition(
    handle: JournalHandle,
    to: JournalState,
    outcome: Outcome & { remoteId?: string | undefined },
    resourcePatch: (now: number) => { remoteId?: string; ownedFields?: OwnedFields; updatedAt: number },
  ): void {
    const now = this.clock();
    this.store.transaction(() => {
      const entry = this.store.journal.get(handle.entryId);
      if (entry === undefined) throw new Error(`journal entry ${handle.entryId} not found`);
      if (!canTransition(entry.state, to)) throw new JournalTransitionError(entry.state, to);
      this.store.journal.update(handle.entryId, {
        state: to,
        ...(outcome.remoteId === undefined ? {} : { remoteId: outcome.remoteId }),
        httpStatus: outcome.httpStatus ?? null,
        error: outcome.error ?? null,
        updatedAt: now,
      });
      const status = resourceStatusAfter(handle.action, to);
      const patch = resourcePatch(now);
      const applyPatch = to === 'confirmed' || handle.action === 'create' || handle.action === 'adopt';
      this.store.resources.update(handle.resourceId, {
        ...(applyPatch ? patch : { updatedAt: now }),
        ...(status === undefined ? {} : { status }),
      });
    });
  }
}
