import type { SecretBox } from '../crypto/secret-box.ts';
import type { ManagedResourceRow } from '../db/schema.ts';
import { CONFIRMED_RESOURCE_STATUSES } from '../store/managed-resources-repo.ts';
import type { Store } from '../store/store.ts';
import type { DesiredResource, ResourceRefs } from './desired-state.ts';
import type { RecordLookup } from './planner.ts';
import { isResourceType } from './resource-types.ts';

/** The planner's view of the manager's records on one host. */
export function recordLookup(store: Store, hostId: string): RecordLookup {
  return {
    confirmed: (naturalKey) => {
      const row = store.resources.findByNaturalKey(hostId, naturalKey, CONFIRMED_RESOURCE_STATUSES)[0];
      return row === undefined ? undefined : { remoteId: row.remoteId };
    },
  };
}

/**
 * What a recorded resource should look like, rebuilt from its record (owned fields, create-only fields,
 * references, the sealed credential): what reconcile and access repair recreate or restore.
 */
export function desiredFromRecord(record: ManagedResourceRow, secrets: SecretBox): DesiredResource {
  if (!isResourceType(record.type)) throw new Error(`record ${record.id} has an unknown type ${record.type}`);
  let secret: string | undefined;
  if (record.secretCiphertext !== null) {
    try {
      secret = secrets.open(record.secretCiphertext);
    } catch {
      secret = undefined;
    }
  }
  return {
    type: record.type,
    naturalKey: record.naturalKey,
    owned: record.ownedFields,
    createFields: record.createFields,
    refs: record.refs as ResourceRefs,
    ...(secret === undefined ? {} : { secret }),
    ...(record.secretFingerprint === null ? {} : { secretFingerprint: record.secretFingerprint }),
  };
}

/** Remote id of the newest confirmed record of each natural key on a host. */
export function confirmedIds(store: Store, hostId: string, providerId?: string): Map<string, string> {
  const ids = new Map<string, string>();
  for (const row of store.resources.listRecorded(hostId, providerId)) {
    if (row.remoteId !== null && CONFIRMED_RESOURCE_STATUSES.includes(row.status))
      ids.set(row.naturalKey, row.remoteId);
  }
  return ids;
}
