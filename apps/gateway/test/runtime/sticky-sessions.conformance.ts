import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StickySessions } from '../../src/runtime/index.ts';
import type { Backend, BackendFactory } from './support/conformance.ts';
import { ManualClock } from './support/manual-clock.ts';

export function describeStickySessionsConformance(
  name: string,
  factory: BackendFactory<StickySessions>,
): void {
  describe(`StickySessions conformance: ${name}`, () => {
    let clock: ManualClock;
    let backend: Backend<StickySessions>;
    let sticky: StickySessions;

    beforeEach(async () => {
      clock = new ManualClock();
      backend = await factory(clock);
      sticky = backend.subject;
    });
    afterEach(async () => {
      await backend.cleanup();
    });

    it('stores, replaces and deletes a binding, visible to another process', async () => {
      const peer = await backend.peer();
      expect(await sticky.get('sess:1')).toBeNull();
      await sticky.set('sess:1', 'acc_a');
      expect(await peer.get('sess:1')).toBe('acc_a');
      await peer.set('sess:1', 'acc_b');
      expect(await sticky.get('sess:1')).toBe('acc_b');
      await sticky.delete('sess:1');
      expect(await peer.get('sess:1')).toBeNull();
    });

    it('expires a binding after its ttl', async () => {
      await sticky.set('sess:2', 'acc_a', 60_000);
      clock.advance(59_999);
      expect(await sticky.get('sess:2')).toBe('acc_a');
      clock.advance(1);
      expect(await sticky.get('sess:2')).toBeNull();
    });

    it('keeps a binding for one hour by default', async () => {
      await sticky.set('sess:3', 'acc_a');
      clock.advance(3_600_000 - 1);
      expect(await sticky.get('sess:3')).toBe('acc_a');
      clock.advance(1);
      expect(await sticky.get('sess:3')).toBeNull();
    });

    it('extends the binding when read with a refresh ttl', async () => {
      await sticky.set('sess:4', 'acc_a', 10_000);
      clock.advance(9_000);
      expect(await sticky.get('sess:4', 10_000)).toBe('acc_a');
      clock.advance(9_000);
      expect(await sticky.get('sess:4')).toBe('acc_a');
      clock.advance(1_000);
      expect(await sticky.get('sess:4')).toBeNull();
    });

    it('keeps account ids containing separators intact', async () => {
      await sticky.set('sess:5', 'acc:with:colons');
      expect(await sticky.get('sess:5')).toBe('acc:with:colons');
    });

    it('rejects an empty session key or a bad ttl', async () => {
      await expect(sticky.get('')).rejects.toThrow(RangeError);
      await expect(sticky.set('sess:6', 'acc_a', 0)).rejects.toThrow(RangeError);
    });
  });
}
