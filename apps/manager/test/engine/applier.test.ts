import { AdminApiError, AdminNetworkError } from '@relay/admin-client';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/crypto/secret-box.ts';
import { applyOps, batchStatusOf } from '../../src/engine/applier.ts';
import type { DesiredResource } from '../../src/engine/desired-state.ts';
import { emptyResources } from '../../src/engine/host-snapshot.ts';
import { createImportMetrics } from '../../src/engine/import-metrics.ts';
import { ImportJournal } from '../../src/engine/journal.ts';
import { planOps } from '../../src/engine/planner.ts';
import { recordLookup } from '../../src/engine/records.ts';
import type { LiveResource, RemoteResources } from '../../src/engine/remote-resources.ts';
import type { ResourceType } from '../../src/engine/resource-types.ts';
import { createLogger } from '../../src/logger.ts';
import { memoryStore } from '../support/memory-store.ts';

/** A gateway in memory: create can be told to commit and then lose its answer, or to refuse. */
class FakeRemote {
  readonly state = emptyResources();
  readonly calls: string[] = [];
  failNextCreate: { type: ResourceType; error: Error; commit: boolean } | undefined;
  #seq = 0;

  async list(type: ResourceType, query: { label?: string[] } = {}): Promise<LiveResource[]> {
    this.calls.push(`list ${type}`);
    return this.state[type].filter((r) =>
      (query.label ?? []).every((s) => {
        const at = s.indexOf('=');
        return r.labels[s.slice(0, at)] === s.slice(at + 1);
      }),
    );
  }
  async get(type: ResourceType, id: string) {
    return this.state[type].find((r) => r.id === id);
  }
  async create(type: ResourceType, body: Record<string, unknown>) {
    this.calls.push(`create ${type}`);
    const fail = this.failNextCreate?.type === type ? this.failNextCreate : undefined;
    if (fail !== undefined) this.failNextCreate = undefined;
    if (fail !== undefined && !fail.commit) throw fail.error;
    const { labels, ...fields } = body as { labels: Record<string, string> };
    const resource = { id: `${type}_${++this.#seq}`, version: 1, labels, ...fields } as LiveResource;
    if (type === 'account') {
      resource.credential_fingerprint = 'sk-…0001';
      delete resource.credential;
    }
    this.state[type].push(resource);
    if (fail !== undefined) throw fail.error;
    return { resource, replayed: false, ...(type === 'api_key' ? { secret: 'sk-relay-secret' } : {}) };
  }
  async update(type: ResourceType, id: string, patch: Record<string, unknown>) {
    const r = this.state[type].find((x) => x.id === id) as LiveResource;
    Object.assign(r, patch, { version: r.version + 1 });
    return r;
  }
  async delete() {
    return 'deleted' as const;
  }
}

const desired: DesiredResource[] = [
  {
    type: 'group',
    naturalKey: 'deepseek',
    owned: { name: 'deepseek', rate_multiplier: '1', rpm_limit: 0 },
    createFields: { platform: 'openai' },
    refs: {},
  },
  {
    type: 'account',
    naturalKey: 'deepseek#sha256:aaaaaaaaaaaa',
    owned: {
      name: 'ds',
      base_url: 'http://127.0.0.1:9/v1',
      auth_style: 'bearer',
      models: [],
      model_mapping: {},
      concurrency: 3,
      priority: 50,
      credential_fingerprint: 'sk-…0001',
    },
    createFields: { platform: 'openai' },
    refs: {},
    secret: 'sk-test-credential-0001',
    secretFingerprint: 'sha256:aaaaaaaaaaaa',
  },
  {
    type: 'account_group',
    naturalKey: 'deepseek#sha256:aaaaaaaaaaaa→deepseek',
    owned: {},
    createFields: {},
    refs: { account: 'deepseek#sha256:aaaaaaaaaaaa', group: 'deepseek' },
  },
  {
    type: 'price',
    naturalKey: 'price:m',
    owned: { model: 'm', input: '1', output: '2', cache_read: '0', cache_write: '0' },
    createFields: {},
    refs: {},
  },
];

let close: (() => void) | undefined;
afterEach(() => close?.());

function setup() {
  const m = memoryStore();
  close = m.close;
  const remote = new FakeRemote();
  const ctx = {
    remote: remote as unknown as RemoteResources,
    journal: new ImportJournal(m.store, Date.now),
    store: m.store,
    secrets: SecretBox.fromSecretKey('applier-test-secret-key'),
    metrics: createImportMetrics(new Registry()),
    logger: createLogger({ level: 'silent' }),
  };
  const apply = (batchId: string) => {
    const { ops } = planOps(desired, remote.state, recordLookup(m.store, m.hostId));
    return applyOps(ctx, { batchId, hostId: m.hostId, providerId: 'deepseek', ops, desired });
  };
  return { ...m, remote, ctx, apply };
}

describe('applyOps', () => {
  it('journals an unknown write, skips what depends on it, carries on with the rest and ends partial', async () => {
    const { store, remote, batch, apply } = setup();
    remote.failNextCreate = {
      type: 'account',
      error: new AdminNetworkError('POST', '/admin/v1/accounts', new Error('socket hang up'), false),
      commit: true,
    };
    const batchId = batch();
    const { items } = await apply(batchId);
    expect(items.map((i) => [i.type, i.status])).toEqual([
      ['group', 'created'],
      ['account', 'unknown'],
      ['account_group', 'skipped'],
      ['price', 'created'],
    ]);
    expect(batchStatusOf(items)).toBe('partial');
    expect(remote.calls.filter((c) => c === 'create account_group')).toEqual([]);
    const entries = store.journal.listByBatch(batchId);
    expect(entries.map((e) => e.state)).toEqual(['confirmed', 'unknown', 'confirmed']);
    expect(entries[1]?.idempotencyKey).toContain(batchId);

    // The retry plans an adoption of the account that did get created, and never creates it twice.
    const retry = batch();
    const second = await apply(retry);
    expect(second.items.map((i) => [i.type, i.action, i.status])).toEqual([
      ['group', 'no-op', 'unchanged'],
      ['account', 'adopt', 'adopted'],
      ['account_group', 'create', 'created'],
      ['price', 'no-op', 'unchanged'],
    ]);
    expect(remote.state.account).toHaveLength(1);
    expect(store.journal.listByBatch(batchId)[1]?.state).toBe('confirmed');
  });

  it('looks an unknown write up by its labels before creating again, even when asked to create', async () => {
    const { remote, batch, ctx, hostId } = setup();
    remote.failNextCreate = {
      type: 'group',
      error: new AdminApiError({
        method: 'POST',
        path: '/admin/v1/groups',
        status: 503,
        code: 'SERVICE_UNAVAILABLE',
        message: 'down',
        requestId: null,
      }),
      commit: true,
    };
    const first = await applyOps(ctx, {
      batchId: batch(),
      hostId,
      providerId: 'deepseek',
      ops: [{ action: 'create', type: 'group', natural_key: 'deepseek' }],
      desired,
    });
    expect(first.items[0]?.status).toBe('unknown');
    const again = await applyOps(ctx, {
      batchId: batch(),
      hostId,
      providerId: 'deepseek',
      ops: [{ action: 'create', type: 'group', natural_key: 'deepseek' }],
      desired,
    });
    expect(again.items[0]).toMatchObject({
      action: 'adopt',
      status: 'adopted',
      remote_id: remote.state.group[0]?.id,
    });
    expect(remote.state.group).toHaveLength(1);
    expect(remote.calls.filter((c) => c === 'create group')).toHaveLength(1);
  });

  it('journals a refused write as failed: nothing is recorded as existing', async () => {
    const { store, remote, batch, apply, hostId } = setup();
    remote.failNextCreate = {
      type: 'price',
      error: new AdminApiError({
        method: 'POST',
        path: '/admin/v1/prices',
        status: 409,
        code: 'ALREADY_EXISTS',
        message: 'exists',
        requestId: null,
      }),
      commit: false,
    };
    const { items } = await apply(batch());
    expect(items.find((i) => i.type === 'price')).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('ALREADY_EXISTS'),
    });
    expect(
      store.resources
        .listRecorded(hostId)
        .map((r) => r.type)
        .sort(),
    ).toEqual(['account', 'account_group', 'group']);
  });
});
