import type { ManagedResourceRow } from '../db/schema.ts';
import { isOurs, LABEL_KEY, LABEL_PROVIDER } from '../engine/labels.ts';
import { diffOwned, ownedOfLive } from '../engine/normalize.ts';
import type { LiveResource } from '../engine/remote-resources.ts';
import type { ResourceType } from '../engine/resource-types.ts';

export type DriftKind = 'missing' | 'modified' | 'orphaned' | 'conflict';

export type FieldDrift = { field: string; expected: unknown; actual: unknown };

/** One difference between the manager's record and the live host (manager.md §6). */
export type DriftItem = {
  kind: DriftKind;
  type: string;
  natural_key: string;
  remote_id?: string;
  /** The record (res_…) it concerns; absent for orphans. */
  resource_id?: string;
  provider_id?: string | null;
  fields?: FieldDrift[];
  detail?: string;
};

/** A drift item with what repair needs (the record and the live resource), never shown as is. */
export type DriftFinding = { item: DriftItem; record?: ManagedResourceRow; live?: LiveResource };

/**
 * Compares one confirmed record with what the host has under its remote id (undefined: 404), and — when that
 * is gone — with what the host has under its natural key without our labels (`otherOwner`). Pure.
 *
 * - gone, and nobody else holds the natural key → `missing` (repair recreates it);
 * - gone, but an unlabelled resource now holds the natural key → `conflict` (never touched);
 * - present without our labels for this natural key → `conflict`;
 * - present with owned fields that differ (normalized; secrets by fingerprint) → `modified` (repair restores).
 */
export function driftOfRecord(
  record: ManagedResourceRow,
  live: LiveResource | undefined,
  otherOwner?: LiveResource,
): DriftFinding | undefined {
  const base = {
    type: record.type,
    natural_key: record.naturalKey,
    resource_id: record.id,
    provider_id: record.providerId,
  };
  const type = record.type as ResourceType;
  if (live === undefined) {
    if (otherOwner !== undefined && !isOurs(otherOwner.labels)) {
      return {
        item: {
          ...base,
          kind: 'conflict',
          remote_id: otherOwner.id,
          detail: `recorded ${record.remoteId} is gone and ${otherOwner.id} now holds ${record.naturalKey} without relay-manager labels`,
        },
        record,
      };
    }
    return {
      item: { ...base, kind: 'missing', ...(record.remoteId === null ? {} : { remote_id: record.remoteId }) },
      record,
    };
  }
  if (!isOurs(live.labels, record.naturalKey)) {
    return {
      item: {
        ...base,
        kind: 'conflict',
        remote_id: live.id,
        detail: `${live.id} no longer carries relay-manager labels for ${record.naturalKey}`,
      },
      record,
      live,
    };
  }
  const actual = ownedOfLive(type, live);
  const changed = diffOwned(type, record.ownedFields, actual);
  if (changed.length === 0) return undefined;
  return {
    item: {
      ...base,
      kind: 'modified',
      remote_id: live.id,
      fields: changed.map((field) => ({
        field,
        expected: record.ownedFields[field],
        actual: actual[field] ?? null,
      })),
    },
    record,
    live,
  };
}

/** A live resource carrying our labels that no confirmed record knows. */
export function orphanOf(
  type: ResourceType,
  live: LiveResource,
  unresolved?: ManagedResourceRow,
): DriftFinding {
  return {
    item: {
      kind: 'orphaned',
      type,
      natural_key: live.labels[LABEL_KEY] ?? '',
      remote_id: live.id,
      provider_id: live.labels[LABEL_PROVIDER] ?? null,
      detail:
        unresolved === undefined
          ? 'carries relay-manager labels but is not recorded'
          : `carries relay-manager labels; recorded only as ${unresolved.status} in batch ${unresolved.batchId} (the answer was lost): an import of the same natural key adopts it`,
    },
    live,
  };
}
