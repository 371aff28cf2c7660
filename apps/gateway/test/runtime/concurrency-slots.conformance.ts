import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConcurrencySlots } from '../../src/runtime/index.ts';
import type { Backend, BackendFactory } from './support/conformance.ts';
import { ManualClock } from './support/manual-clock.ts';

const TTL = 30_000;

export function describeConcurrencySlotsConformance(
  name: string,
  factory: BackendFactory<ConcurrencySlots>,
): void {
  describe(`ConcurrencySlots conformance: ${name}`, () => {
    let clock: ManualClock;
    let backend: Backend<ConcurrencySlots>;
    let slots: ConcurrencySlots;

    beforeEach(async () => {
      clock = new ManualClock();
      backend = await factory(clock);
      slots = backend.subject;
    });
    afterEach(async () => {
      await backend.cleanup();
    });

    const slot = (key: string, holder: string, limit = 2) => ({ key, limit, holder, ttlMs: TTL });

    it('grants exactly `limit` holders and frees a slot on release', async () => {
      expect(await slots.acquire(slot('conc:key:a', 'r1'))).toEqual({ acquired: true, inUse: 1 });
      expect(await slots.acquire(slot('conc:key:a', 'r2'))).toEqual({ acquired: true, inUse: 2 });
      expect(await slots.acquire(slot('conc:key:a', 'r3'))).toEqual({ acquired: false, inUse: 2 });
      await slots.release('conc:key:a', 'r1');
      expect(await slots.inUse('conc:key:a')).toBe(1);
      expect(await slots.acquire(slot('conc:key:a', 'r3'))).toEqual({ acquired: true, inUse: 2 });
    });

    it('counts a holder once when it acquires again (lease renewal)', async () => {
      await slots.acquire(slot('conc:key:b', 'r1', 1));
      clock.advance(20_000);
      expect(await slots.acquire(slot('conc:key:b', 'r1', 1))).toEqual({ acquired: true, inUse: 1 });
      clock.advance(20_000); // 40 s after the first lease began, 20 s into the renewed one
      expect(await slots.acquire(slot('conc:key:b', 'r2', 1))).toEqual({ acquired: false, inUse: 1 });
    });

    it('never grants more than the limit to 50 parallel requests from two processes', async () => {
      const peer = await backend.peer();
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          (i % 2 === 0 ? slots : peer).acquire(slot('conc:key:c', `r${i}`, 5)),
        ),
      );
      expect(results.filter((r) => r.acquired)).toHaveLength(5);
      expect(await slots.inUse('conc:key:c')).toBe(5);
      expect(await peer.inUse('conc:key:c')).toBe(5);
    });

    it("expires a crashed holder's lease after its ttl", async () => {
      const crashed = await backend.peer();
      await crashed.acquire(slot('conc:acc:d', 'lost-request', 1));
      expect(await slots.acquire(slot('conc:acc:d', 'r2', 1))).toEqual({ acquired: false, inUse: 1 });
      clock.advance(TTL - 1);
      expect(await slots.inUse('conc:acc:d')).toBe(1);
      clock.advance(1);
      expect(await slots.inUse('conc:acc:d')).toBe(0);
      expect(await slots.acquire(slot('conc:acc:d', 'r2', 1))).toEqual({ acquired: true, inUse: 1 });
    });

    it('takes a batch all-or-nothing and says which level was full', async () => {
      const levels = (holder: string) => [
        slot('conc:key:e', holder, 5),
        slot('conc:user:e', holder, 5),
        slot('conc:acc:e', holder, 1),
      ];
      await slots.acquire(slot('conc:acc:e', 'other', 1));
      expect(await slots.acquireMany(levels('r1'))).toEqual({
        acquired: false,
        rejectedIndex: 2,
        inUse: [0, 0, 1],
      });
      expect(await slots.inUse('conc:key:e')).toBe(0);
      expect(await slots.inUse('conc:user:e')).toBe(0);

      await slots.release('conc:acc:e', 'other');
      expect(await slots.acquireMany(levels('r1'))).toEqual({ acquired: true, inUse: [1, 1, 1] });
      await slots.releaseMany(levels('r1'));
      expect(await slots.inUse('conc:key:e')).toBe(0);
      expect(await slots.inUse('conc:user:e')).toBe(0);
      expect(await slots.inUse('conc:acc:e')).toBe(0);
    });

    it('skips unlimited levels in a batch', async () => {
      const result = await slots.acquireMany([slot('conc:key:f', 'r1', 0), slot('conc:acc:f', 'r1', 1)]);
      expect(result).toEqual({ acquired: true, inUse: [0, 1] });
      expect(await slots.inUse('conc:key:f')).toBe(0);
      expect(await slots.acquireMany([slot('conc:key:f', 'r2', 0)])).toEqual({ acquired: true, inUse: [0] });
    });

    it('treats releasing a slot that is not held as a no-op', async () => {
      await slots.release('conc:key:g', 'nobody');
      await slots.releaseMany([{ key: 'conc:key:g', holder: 'nobody' }]);
      await slots.acquire(slot('conc:key:g', 'r1', 1));
      await slots.release('conc:key:g', 'r1');
      await slots.release('conc:key:g', 'r1');
      expect(await slots.inUse('conc:key:g')).toBe(0);
    });

    it('releases several holders of one key in one call', async () => {
      await slots.acquire(slot('conc:key:h', 'r1', 3));
      await slots.acquire(slot('conc:key:h', 'r2', 3));
      await slots.releaseMany([
        { key: 'conc:key:h', holder: 'r1' },
        { key: 'conc:key:h', holder: 'r2' },
      ]);
      expect(await slots.inUse('conc:key:h')).toBe(0);
    });

    it('rejects invalid requests before doing anything', async () => {
      await expect(slots.acquire({ key: 'k', limit: 1, holder: '', ttlMs: TTL })).rejects.toThrow(RangeError);
      await expect(slots.acquire({ key: 'k', limit: 1, holder: 'h', ttlMs: 0 })).rejects.toThrow(RangeError);
      await expect(slots.acquireMany([slot('k', 'a'), slot('k', 'b')])).rejects.toThrow(RangeError);
    });
  });
}
