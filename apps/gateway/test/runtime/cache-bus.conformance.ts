import { waitFor } from '@relay/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CacheBus, CacheEvent } from '../../src/runtime/index.ts';
import type { Backend, BackendFactory } from './support/conformance.ts';
import { ManualClock } from './support/manual-clock.ts';

export function describeCacheBusConformance(name: string, factory: BackendFactory<CacheBus>): void {
  describe(`CacheBus conformance: ${name}`, () => {
    let backend: Backend<CacheBus>;
    let bus: CacheBus;

    beforeEach(async () => {
      backend = await factory(new ManualClock());
      bus = backend.subject;
      await bus.ready();
    });
    afterEach(async () => {
      await backend.cleanup();
    });

    it('delivers an event to every subscriber, in this process and another, within 1 s', async () => {
      const other = await backend.peer();
      await other.ready();
      const here: CacheEvent[] = [];
      const there: CacheEvent[] = [];
      bus.subscribe((e) => {
        here.push(e);
      });
      other.subscribe((e) => {
        there.push(e);
      });
      await bus.publish({ kind: 'account', ids: ['acc_1', 'acc_2'] });
      await waitFor(() => here.length === 1 && there.length === 1, { timeoutMs: 1_000, intervalMs: 5 });
      expect(there).toEqual([{ kind: 'account', ids: ['acc_1', 'acc_2'] }]);
      expect(here).toEqual(there);
    });

    it('stops delivering to a handler after unsubscribe', async () => {
      const dropped: CacheEvent[] = [];
      const kept: CacheEvent[] = [];
      const unsubscribe = bus.subscribe((e) => {
        dropped.push(e);
      });
      bus.subscribe((e) => {
        kept.push(e);
      });
      await bus.publish({ kind: 'group', ids: ['grp_1'] });
      await waitFor(() => kept.length === 1, { timeoutMs: 1_000, intervalMs: 5 });
      unsubscribe();
      await bus.publish({ kind: 'group', ids: ['grp_2'] });
      await waitFor(() => kept.length === 2, { timeoutMs: 1_000, intervalMs: 5 });
      expect(dropped.map((e) => e.ids[0])).toEqual(['grp_1']);
    });

    it('keeps delivering to other handlers when one throws', async () => {
      const received: CacheEvent[] = [];
      bus.subscribe(() => {
        throw new Error('handler bug');
      });
      bus.subscribe(async () => {
        throw new Error('async handler bug');
      });
      bus.subscribe((e) => {
        received.push(e);
      });
      await bus.publish({ kind: 'api_key', ids: ['key_1'] });
      await bus.publish({ kind: 'api_key', ids: ['key_2'] });
      await waitFor(() => received.length === 2, { timeoutMs: 1_000, intervalMs: 5 });
      expect(received.map((e) => e.ids[0])).toEqual(['key_1', 'key_2']);
    });

    it('rejects a malformed event', async () => {
      await expect(bus.publish({ kind: '', ids: [] })).rejects.toThrow(RangeError);
      await expect(bus.publish({ kind: 'x', ids: [1 as unknown as string] })).rejects.toThrow(RangeError);
    });
  });
}
