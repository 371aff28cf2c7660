import { AdminApiError } from '@relay/admin-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createImportMetrics } from '../../src/engine/import-metrics.ts';
import { ownershipLabels } from '../../src/engine/labels.ts';
import type { LiveResource } from '../../src/engine/remote-resources.ts';
import type { ResourceType } from '../../src/engine/resource-types.ts';
import { HostLeases } from '../../src/hosts/host-lease.ts';
import { newId } from '../../src/ids.ts';
import { createLogger } from '../../src/logger.ts';
import { createMetrics } from '../../src/metrics.ts';
import { RollbackService } from '../../src/rollback/rollback-service.ts';
import { memoryStore } from '../support/memory-store.ts';

/** Rollback after a repair, and the reason given when the gateway refuses a delete (issue 11). */

const GROUP_KEY = 'deepseek';
const BINDING_KEY = 'deepseek#sha256:aaaaaaaaaaaa→deepseek';

class FakeRemote {
  readonly state: Record<string, LiveResource[]> = { group: [], account_group: [], api_key: [], account: [] };
  readonly deleted: string[] = [];

  async list(type: ResourceType, query: Record<string, unknown> = {}): Promise<LiveResource[]> {
    return (this.state[type] ?? []).filter((r) =>
      Object.entries(query).every(([k, v]) => k === 'label' || r[k] === v),
    );
  }
  async get(type: ResourceType, id: string) {
    return (this.state[type] ?? []).find((r) => r.id === id);
  }
  async delete(type: ResourceType, id: string): Promise<'deleted' | 'gone'> {
    if (type === 'group' && this.state.account_group?.some((b) => b.group_id === id)) {
      throw new AdminApiError({
        method: 'DELETE',
        path: `/admin/v1/groups/${id}`,
        status: 409,
        code: 'CONFLICT',
        message: 'group still has bindings',
        requestId: null,
      });
    }
    this.state[type] = (this.state[type] ?? []).filter((r) => r.id !== id);
    this.deleted.push(id);
    return 'deleted';
  }
}

let close: (() => void) | undefined;
afterEach(() => close?.());

function setUp() {
  const mem = memoryStore();
  close = mem.close;
  const remote = new FakeRemote();
  const metrics = createMetrics({
    collectProcessMetrics: false,
    sources: { hostsByStatus: () => ({}), hosts: () => [], activeProviders: () => 0, dbConnections: () => 1 },
  });
  const service = new RollbackService({
    store: mem.store,
    connections: {
      open: () => ({ host: mem.store.hosts.get(mem.hostId), remote }),
    } as never,
    leases: new HostLeases(mem.store, Date.now),
    metrics,
    importMetrics: createImportMetrics(metrics.registry),
    clock: Date.now,
    logger: createLogger({ level: 'silent' }),
  });
  const record = (batchId: string, type: string, naturalKey: string, remoteId: string) =>
    mem.store.resources.insert({
      id: newId('res'),
      hostId: mem.hostId,
      batchId,
      providerId: 'deepseek',
      type,
      naturalKey,
      remoteId,
      status: 'created',
      ownedFields: {},
      createdAt: Date.now(),
      updatedAt: Date.now(),
    });
  const live = (
    type: string,
    id: string,
    batchId: string,
    naturalKey: string,
    extra: Record<string, unknown> = {},
  ) =>
    remote.state[type]?.push({
      id,
      version: 1,
      labels: ownershipLabels({ batchId, providerId: 'deepseek', naturalKey }),
      ...extra,
    });
  return { ...mem, remote, service, record, live };
}

describe('rollback', () => {
  it('rolls back a host-wide repair batch with the provider it repaired', async () => {
    const t = setUp();
    const repairBatch = newId('bat');
    t.store.batches.insert({
      id: repairBatch,
      hostId: t.hostId,
      providerId: null,
      kind: 'repair',
      status: 'succeeded',
      actor: 'test',
      summary: {},
      createdAt: Date.now(),
    });
    t.record(repairBatch, 'account_group', BINDING_KEY, 'agb_1');
    t.live('account_group', 'agb_1', repairBatch, BINDING_KEY, { group_id: 'grp_1', account_id: 'acc_1' });
    const result = await t.service.rollback('deepseek', { host_id: t.hostId, batch_id: repairBatch });
    expect(result.status).toBe('succeeded');
    expect(result.resources.map((r) => [r.remote_id, r.result])).toEqual([['agb_1', 'deleted']]);
    await expect(
      t.service.rollback('other', { host_id: t.hostId, batch_id: repairBatch }),
    ).rejects.toMatchObject({
      code: 'NO_RECORDED_RESOURCES',
    });
  });

  it('says "not created by the manager" only when the blocking binding is not the manager\'s', async () => {
    const t = setUp();
    const importBatch = t.batch();
    t.record(importBatch, 'group', GROUP_KEY, 'grp_1');
    t.live('group', 'grp_1', importBatch, GROUP_KEY);
    // A binding the manager made under another batch, not part of this rollback.
    t.live('account_group', 'agb_ours', 'bat_other', BINDING_KEY, { group_id: 'grp_1' });
    const ours = await t.service.rollback('deepseek', { host_id: t.hostId, batch_id: importBatch });
    expect(ours.status).toBe('partial');
    const oursError = ours.resources[0]?.error ?? '';
    expect(oursError).toContain('the manager created outside this rollback (agb_ours)');
    expect(oursError).not.toContain('not created by the manager');

    // Someone else's binding.
    t.remote.state.account_group = [{ id: 'agb_theirs', version: 1, labels: {}, group_id: 'grp_1' }];
    const theirs = await t.service.rollback('deepseek', { host_id: t.hostId, batch_id: importBatch });
    expect(theirs.resources[0]?.error).toContain('not created by the manager (agb_theirs)');
    expect(theirs.resources[0]?.error).not.toContain('outside this rollback');
  });
});
