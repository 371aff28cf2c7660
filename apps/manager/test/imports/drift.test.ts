import { describe, expect, it } from 'vitest';
import type { ManagedResourceRow } from '../../src/db/schema.ts';
import { ownershipLabels } from '../../src/engine/labels.ts';
import type { LiveResource } from '../../src/engine/remote-resources.ts';
import { driftOfRecord, orphanOf } from '../../src/reconcile/drift.ts';

const record: ManagedResourceRow = {
  id: 'res_1',
  hostId: 'hst_1',
  batchId: 'bat_1',
  providerId: 'deepseek',
  type: 'group',
  naturalKey: 'deepseek',
  remoteId: 'grp_1',
  status: 'created',
  secretFingerprint: null,
  ownedFields: { name: 'deepseek', rate_multiplier: '1', rpm_limit: 0 },
  createdAt: 0,
  updatedAt: 0,
  createFields: { platform: 'openai' },
  refs: {},
  secretCiphertext: null,
};
const labels = ownershipLabels({ batchId: 'bat_1', providerId: 'deepseek', naturalKey: 'deepseek' });
const group = (fields: Record<string, unknown>, l: Record<string, string> = labels): LiveResource =>
  ({
    id: 'grp_1',
    version: 2,
    labels: l,
    name: 'deepseek',
    rate_multiplier: '1.000000',
    rpm_limit: 0,
    ...fields,
  }) as LiveResource;

describe('driftOfRecord', () => {
  it('finds nothing when the owned fields match once normalized', () => {
    expect(driftOfRecord(record, group({}))).toBeUndefined();
  });

  it('reports modified owned fields with what was expected and what is there', () => {
    expect(driftOfRecord(record, group({ rate_multiplier: '2', rpm_limit: 60 }))?.item).toMatchObject({
      kind: 'modified',
      remote_id: 'grp_1',
      fields: [
        { field: 'rate_multiplier', expected: '1', actual: '2' },
        { field: 'rpm_limit', expected: 0, actual: 60 },
      ],
    });
  });

  it('tells missing from taken over: gone, or gone with someone else holding the natural key', () => {
    expect(driftOfRecord(record, undefined)?.item).toMatchObject({ kind: 'missing', remote_id: 'grp_1' });
    const theirs = { ...group({}, {}), id: 'grp_2' } as LiveResource;
    expect(driftOfRecord(record, undefined, theirs)?.item).toMatchObject({
      kind: 'conflict',
      remote_id: 'grp_2',
    });
  });

  it('reports a resource whose labels were removed as a conflict, and a labelled unknown one as orphaned', () => {
    expect(driftOfRecord(record, group({}, {}))?.item.kind).toBe('conflict');
    const orphan = orphanOf('group', { ...group({}), id: 'grp_3' } as LiveResource);
    expect(orphan.item).toMatchObject({
      kind: 'orphaned',
      natural_key: 'deepseek',
      remote_id: 'grp_3',
      provider_id: 'deepseek',
    });
  });
});
