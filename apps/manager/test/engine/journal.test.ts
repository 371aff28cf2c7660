import { afterEach, describe, expect, it } from 'vitest';
import type { DesiredResource } from '../../src/engine/desired-state.ts';
import {
  canTransition,
  ImportJournal,
  JOURNAL_TRANSITIONS,
  JournalTransitionError,
  resourceStatusAfter,
} from '../../src/engine/journal.ts';
import { memoryStore } from '../support/memory-store.ts';

const group: DesiredResource = {
  type: 'group',
  naturalKey: 'deepseek',
  owned: { name: 'deepseek', rate_multiplier: '1', rpm_limit: 0 },
  createFields: { platform: 'openai' },
  refs: {},
};

let close: (() => void) | undefined;
afterEach(() => close?.());

function setup() {
  const m = memoryStore();
  close = m.close;
  return { ...m, journal: new ImportJournal(m.store, Date.now) };
}

describe('the journal state machine', () => {
  it('allows pending → confirmed | unknown | failed, and unknown → confirmed | failed only', () => {
    expect(JOURNAL_TRANSITIONS).toEqual({
      pending: ['confirmed', 'unknown', 'failed'],
      unknown: ['confirmed', 'failed'],
      confirmed: [],
      failed: [],
    });
    expect(canTransition('pending', 'unknown')).toBe(true);
    expect(canTransition('unknown', 'pending')).toBe(false);
    expect(canTransition('confirmed', 'failed')).toBe(false);
    expect(resourceStatusAfter('create', 'confirmed')).toBe('created');
    expect(resourceStatusAfter('adopt', 'confirmed')).toBe('adopted');
    expect(resourceStatusAfter('create', 'unknown')).toBe('unknown');
    expect(resourceStatusAfter('delete', 'confirmed')).toBe('deleted');
    expect(resourceStatusAfter('update', 'failed')).toBeUndefined();
  });

  it('records the intent before the write, then the outcome', () => {
    const { store, hostId, batch, journal } = setup();
    const batchId = batch();
    const handle = journal.begin('create', {
      batchId,
      hostId,
      providerId: 'deepseek',
      resource: group,
      owned: group.owned,
      idempotencyKey: 'relay-manager:test',
    });
    expect(store.resources.get(handle.resourceId)).toMatchObject({ status: 'pending', remoteId: null });
    expect(store.journal.get(handle.entryId)).toMatchObject({
      state: 'pending',
      seq: 1,
      idempotencyKey: 'relay-manager:test',
    });

    journal.confirm(handle, { remoteId: 'grp_1', httpStatus: 201, owned: group.owned });
    expect(store.resources.get(handle.resourceId)).toMatchObject({ status: 'created', remoteId: 'grp_1' });
    expect(store.journal.get(handle.entryId)).toMatchObject({
      state: 'confirmed',
      httpStatus: 201,
      remoteId: 'grp_1',
    });
    expect(() => journal.unknown(handle, { error: 'late' })).toThrow(JournalTransitionError);

    const removal = journal.beginChange('delete', {
      batchId,
      resourceId: handle.resourceId,
      remoteId: 'grp_1',
    });
    expect(store.journal.get(removal.entryId)?.seq).toBe(2);
    journal.confirm(removal, { remoteId: 'grp_1', httpStatus: 204 });
    expect(store.resources.get(handle.resourceId)?.status).toBe('deleted');
  });

  it('keeps a failed write out of the record and settles an unknown one when a later batch resolves it', () => {
    const { store, hostId, batch, journal } = setup();
    const first = batch();
    const refused = journal.begin('create', {
      batchId: first,
      hostId,
      providerId: 'deepseek',
      resource: group,
      owned: {},
    });
    journal.fail(refused, { httpStatus: 409, error: 'ALREADY_EXISTS' });
    expect(store.resources.get(refused.resourceId)?.status).toBe('failed');
    expect(store.resources.countRecorded(hostId)).toBe(0);

    const lost = journal.begin('create', {
      batchId: first,
      hostId,
      providerId: 'deepseek',
      resource: group,
      owned: {},
    });
    journal.unknown(lost, { error: 'socket hang up' });
    expect(store.resources.get(lost.resourceId)?.status).toBe('unknown');
    expect(store.resources.countRecorded(hostId)).toBe(1);

    const retry = batch();
    const adopted = journal.begin('adopt', {
      batchId: retry,
      hostId,
      providerId: 'deepseek',
      resource: group,
      owned: {},
      remoteId: 'grp_9',
    });
    journal.confirm(adopted, { remoteId: 'grp_9' });
    journal.supersede(hostId, 'deepseek', adopted.resourceId, {
      found: true,
      remoteId: 'grp_9',
      batchId: retry,
    });
    expect(store.resources.get(lost.resourceId)).toMatchObject({ status: 'superseded', remoteId: 'grp_9' });
    expect(store.journal.get(lost.entryId)).toMatchObject({
      state: 'confirmed',
      remoteId: 'grp_9',
      error: expect.stringContaining(`resolved by batch ${retry}`),
    });
    expect(store.resources.get(adopted.resourceId)?.status).toBe('adopted');
    expect(store.resources.countRecorded(hostId)).toBe(1);
  });
});
