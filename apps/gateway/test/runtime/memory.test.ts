import { describe, expect, it } from 'vitest';
import {
  MemoryAccountHealth,
  MemoryAdmission,
  MemoryCacheBus,
  MemoryConcurrencySlots,
  MemoryRateLimiter,
  MemoryStickySessions,
} from '../../src/runtime/index.ts';
import { describeAccountHealthConformance } from './account-health.conformance.ts';
import { describeAdmissionConformance } from './admission.conformance.ts';
import { describeCacheBusConformance } from './cache-bus.conformance.ts';
import { describeConcurrencySlotsConformance } from './concurrency-slots.conformance.ts';
import { describeRateLimiterConformance } from './rate-limiter.conformance.ts';
import { describeStickySessionsConformance } from './sticky-sessions.conformance.ts';
import type { BackendFactory } from './support/conformance.ts';
import { ManualClock } from './support/manual-clock.ts';

/** In memory "another process" is the same object: one process is all embedded mode supports. */
function memoryBackend<T>(create: (clock: ManualClock) => T): BackendFactory<T> {
  return async (clock) => {
    const subject = create(clock);
    return { subject, peer: async () => subject, cleanup: async () => {} };
  };
}

describeRateLimiterConformance(
  'memory',
  memoryBackend((clock) => new MemoryRateLimiter(clock)),
);
describeConcurrencySlotsConformance(
  'memory',
  memoryBackend((clock) => new MemoryConcurrencySlots(clock)),
);
describeStickySessionsConformance(
  'memory',
  memoryBackend((clock) => new MemoryStickySessions(clock)),
);
describeAccountHealthConformance(
  'memory',
  memoryBackend((clock) => new MemoryAccountHealth(clock)),
);
describeAdmissionConformance(
  'memory',
  memoryBackend((clock) => {
    const limiter = new MemoryRateLimiter(clock);
    const slots = new MemoryConcurrencySlots(clock);
    const sticky = new MemoryStickySessions(clock);
    return { admission: new MemoryAdmission(limiter, slots, sticky, clock), slots, sticky };
  }),
);
describeCacheBusConformance(
  'memory',
  memoryBackend(() => new MemoryCacheBus()),
);

describe('memory implementations stay bounded', () => {
  it('forgets expired rate-limit buckets as new keys arrive', async () => {
    const clock = new ManualClock();
    const limiter = new MemoryRateLimiter(clock);
    for (let i = 0; i < 1_000; i++) await limiter.consume({ key: `rpm:${i}`, limit: 10, windowMs: 1_000 });
    clock.advance(10_000);
    for (let i = 0; i < 1_000; i++)
      await limiter.consume({ key: `rpm:new:${i}`, limit: 10, windowMs: 1_000 });
    const size = (limiter as unknown as { buckets: { size: number } }).buckets.size;
    expect(size).toBeLessThanOrEqual(1_000);
  });

  it('does not accumulate lease records on a hot key whose holders come and go', async () => {
    const clock = new ManualClock();
    const slots = new MemoryConcurrencySlots(clock);
    await slots.acquire({ key: 'hot', limit: 10, holder: 'long-running', ttlMs: 600_000 });
    for (let i = 0; i < 10_000; i++) {
      await slots.acquire({ key: 'hot', limit: 10, holder: `r${i}`, ttlMs: 600_000 });
      await slots.acquire({ key: 'hot', limit: 10, holder: `r${i}`, ttlMs: 600_000 }); // renewal
      await slots.release('hot', `r${i}`);
    }
    const keySlots = (slots as unknown as { keys: { get(k: string): { heap: unknown[] } } }).keys.get('hot');
    expect(keySlots.heap.length).toBeLessThanOrEqual(64);
    expect(await slots.inUse('hot')).toBe(1);
  });
});
