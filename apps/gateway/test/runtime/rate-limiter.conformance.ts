import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RateLimiter } from '../../src/runtime/index.ts';
import type { Backend, BackendFactory } from './support/conformance.ts';
import { ManualClock } from './support/manual-clock.ts';

const MINUTE = 60_000;

export function describeRateLimiterConformance(name: string, factory: BackendFactory<RateLimiter>): void {
  describe(`RateLimiter conformance: ${name}`, () => {
    let clock: ManualClock;
    let backend: Backend<RateLimiter>;
    let limiter: RateLimiter;

    beforeEach(async () => {
      clock = new ManualClock();
      backend = await factory(clock);
      limiter = backend.subject;
    });
    afterEach(async () => {
      await backend.cleanup();
    });

    it('allows exactly `limit` calls, then denies with the time until one unit refills', async () => {
      const rpm = { key: 'rpm:key:k1', limit: 5, windowMs: MINUTE };
      const remaining: number[] = [];
      for (let i = 0; i < 5; i++) {
        const decision = await limiter.consume(rpm);
        expect(decision.allowed).toBe(true);
        expect(decision.retryAfterMs).toBe(0);
        remaining.push(decision.remaining);
      }
      expect(remaining).toEqual([4, 3, 2, 1, 0]);
      expect(await limiter.consume(rpm)).toEqual({ allowed: false, remaining: 0, retryAfterMs: 12_000 });
    });

    it('rolls the window: one unit back every window/limit, everything back after a full window', async () => {
      const rpm = { key: 'rpm:key:k2', limit: 3, windowMs: MINUTE };
      for (let i = 0; i < 3; i++) await limiter.consume(rpm);
      clock.advance(19_999);
      expect(await limiter.consume(rpm)).toEqual({ allowed: false, remaining: 0, retryAfterMs: 1 });
      clock.advance(1);
      expect(await limiter.consume(rpm)).toEqual({ allowed: true, remaining: 0, retryAfterMs: 0 });
      clock.advance(MINUTE);
      expect((await limiter.consume(rpm)).remaining).toBe(2);
    });

    it('treats limit 0 as unlimited', async () => {
      for (let i = 0; i < 3; i++) {
        expect(
          await limiter.consume({ key: 'rpm:none', limit: 0, windowMs: MINUTE, cost: 1_000_000 }),
        ).toEqual({
          allowed: true,
          remaining: Number.POSITIVE_INFINITY,
          retryAfterMs: 0,
        });
      }
    });

    it('counts tokens with a cost and corrects the estimate with adjust', async () => {
      const tpm = { key: 'tpm:key:k3', limit: 1000, windowMs: MINUTE };
      expect(await limiter.consume({ ...tpm, cost: 600 })).toEqual({
        allowed: true,
        remaining: 400,
        retryAfterMs: 0,
      });
      // 1100 > 1000: wait until 100 tokens refill at 1000 per minute.
      expect(await limiter.consume({ ...tpm, cost: 500 })).toEqual({
        allowed: false,
        remaining: 400,
        retryAfterMs: 6_000,
      });
      await limiter.adjust(tpm.key, -300); // the request really used 300 tokens
      expect(await limiter.consume({ ...tpm, cost: 500 })).toEqual({
        allowed: true,
        remaining: 200,
        retryAfterMs: 0,
      });
      await limiter.adjust(tpm.key, 150); // and this one 650
      expect(await limiter.consume({ ...tpm, cost: 50 })).toEqual({
        allowed: true,
        remaining: 0,
        retryAfterMs: 0,
      });
      expect((await limiter.consume({ ...tpm, cost: 1 })).allowed).toBe(false);
    });

    it('lets an adjustment push usage over the limit, and drains it at the limit rate', async () => {
      const tpm = { key: 'tpm:key:k4', limit: 100, windowMs: MINUTE };
      await limiter.consume({ ...tpm, cost: 10 });
      await limiter.adjustMany([{ key: tpm.key, delta: 140 }]); // 150 used of 100
      expect(await limiter.consume({ ...tpm, cost: 1 })).toEqual({
        allowed: false,
        remaining: 0,
        retryAfterMs: 30_600,
      });
      clock.advance(30_600);
      expect((await limiter.consume({ ...tpm, cost: 1 })).allowed).toBe(true);
    });

    it('ignores adjustments of keys it has no state for', async () => {
      await limiter.adjust('tpm:never-seen', 500);
      expect(
        (await limiter.consume({ key: 'tpm:never-seen', limit: 10, windowMs: MINUTE, cost: 10 })).allowed,
      ).toBe(true);
    });

    it('admits a request larger than the whole limit only when the bucket is empty', async () => {
      const tpm = { key: 'tpm:key:k5', limit: 100, windowMs: MINUTE };
      expect(await limiter.consume({ ...tpm, cost: 150 })).toEqual({
        allowed: true,
        remaining: 0,
        retryAfterMs: 0,
      });
      expect(await limiter.consume({ ...tpm, cost: 150 })).toEqual({
        allowed: false,
        remaining: 0,
        retryAfterMs: 90_000,
      });
      clock.advance(90_000);
      expect((await limiter.consume({ ...tpm, cost: 150 })).allowed).toBe(true);
    });

    it('consumes a batch all-or-nothing and reports the longest wait', async () => {
      const key = { key: 'rpm:key:k6', limit: 2, windowMs: MINUTE };
      const user = { key: 'rpm:user:u6', limit: 1, windowMs: MINUTE };
      const group = { key: 'rpm:group:g6', limit: 0, windowMs: MINUTE };
      const first = await limiter.consumeMany([key, user, group]);
      expect(first.allowed).toBe(true);
      expect(first.decisions.map((d) => d.remaining)).toEqual([1, 0, Number.POSITIVE_INFINITY]);

      const second = await limiter.consumeMany([key, user, group]);
      expect(second.allowed).toBe(false);
      expect(second.retryAfterMs).toBe(MINUTE);
      expect(second.decisions.map((d) => d.allowed)).toEqual([true, false, true]);
      expect(second.decisions[0]?.remaining).toBe(1); // nothing was taken from the key's limit
      expect((await limiter.consume(key)).remaining).toBe(0);
    });

    it('never admits more than the limit under 50 parallel calls from two processes', async () => {
      const peer = await backend.peer();
      const rpm = { key: 'rpm:key:k7', limit: 5, windowMs: MINUTE };
      const decisions = await Promise.all(
        Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? limiter : peer).consume(rpm)),
      );
      expect(decisions.filter((d) => d.allowed)).toHaveLength(5);
    });

    it('shares one limit between two processes', async () => {
      const peer = await backend.peer();
      const rpm = { key: 'rpm:key:k8', limit: 5, windowMs: MINUTE };
      for (let i = 0; i < 3; i++) expect((await limiter.consume(rpm)).allowed).toBe(true);
      expect(await peer.consume(rpm)).toMatchObject({ allowed: true, remaining: 1 });
      expect(await peer.consume(rpm)).toMatchObject({ allowed: true, remaining: 0 });
      expect((await limiter.consume(rpm)).allowed).toBe(false);
      expect((await peer.consume(rpm)).allowed).toBe(false);
    });

    it('rejects invalid requests before doing anything', async () => {
      await expect(limiter.consume({ key: 'k', limit: -1, windowMs: MINUTE })).rejects.toThrow(RangeError);
      await expect(limiter.consume({ key: 'k', limit: 1, windowMs: 0 })).rejects.toThrow(RangeError);
      await expect(limiter.consume({ key: '', limit: 1, windowMs: MINUTE })).rejects.toThrow(RangeError);
      await expect(limiter.consume({ key: 'k', limit: 1, windowMs: MINUTE, cost: 1.5 })).rejects.toThrow(
        RangeError,
      );
      const dup = { key: 'k', limit: 1, windowMs: MINUTE };
      await expect(limiter.consumeMany([dup, dup])).rejects.toThrow(RangeError);
      await expect(limiter.adjust('k', 0.5)).rejects.toThrow(RangeError);
    });
  });
}
