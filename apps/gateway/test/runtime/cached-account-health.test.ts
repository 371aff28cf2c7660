import { describe, expect, it } from 'vitest';
import {
  type AccountHealth,
  type AccountState,
  CachedAccountHealth,
  HEALTHY_FRESH_MS,
  MemoryAccountHealth,
} from '../../src/runtime/index.ts';
import { ManualClock } from './support/manual-clock.ts';

/** The shared store seen by two gateway processes, counting the reads that reach it. */
function sharedStore(clock: ManualClock) {
  const store = new MemoryAccountHealth(clock);
  let reads = 0;
  const counted: AccountHealth = {
    state: (ids) => {
      reads += 1;
      return store.state(ids);
    },
    recordSuccess: (id) => store.recordSuccess(id),
    recordFailure: (id, failure) => store.recordFailure(id, failure),
    tryAcquireTrial: (id) => store.tryAcquireTrial(id),
    clear: (id) => store.clear(id),
  };
  return { health: counted, reads: () => reads };
}

const statusOf = (states: Map<string, AccountState>, id: string) => states.get(id)?.status;

describe('cached account health', () => {
  it('answers healthy accounts from memory until they are no longer fresh', async () => {
    const clock = new ManualClock();
    const shared = sharedStore(clock);
    const health = new CachedAccountHealth(shared.health, clock);
    expect(statusOf(await health.state(['a', 'b']), 'a')).toBe('closed');
    await health.state(['a', 'b']);
    await health.state(['b']);
    expect(shared.reads()).toBe(1);
    clock.advance(HEALTHY_FRESH_MS);
    await health.state(['a', 'b']);
    expect(shared.reads()).toBe(2);
  });

  it("sees its own failures at once and another process's within the freshness window", async () => {
    const clock = new ManualClock();
    const shared = sharedStore(clock);
    const here = new CachedAccountHealth(shared.health, clock);
    const elsewhere = new CachedAccountHealth(shared.health, clock);
    await here.state(['a', 'b']);
    await elsewhere.state(['a', 'b']);

    await here.recordFailure('a', { kind: 'rate_limited', retryAfterMs: 60_000 });
    expect(statusOf(await here.state(['a', 'b']), 'a')).toBe('cooling_down');
    // The other process still holds its fresh reading of `a`…
    expect(statusOf(await elsewhere.state(['a', 'b']), 'a')).toBe('closed');
    // …and reads the store again once it is stale.
    clock.advance(HEALTHY_FRESH_MS);
    expect(statusOf(await elsewhere.state(['a', 'b']), 'a')).toBe('cooling_down');
  });

  it('never keeps an account that is not plainly healthy', async () => {
    const clock = new ManualClock();
    const shared = sharedStore(clock);
    const health = new CachedAccountHealth(shared.health, clock);
    await shared.health.recordFailure('a', { kind: 'server_error' });
    const first = await health.state(['a']);
    expect(first.get('a')).toMatchObject({ status: 'closed', failures: 1 });
    await health.state(['a']);
    expect(shared.reads()).toBe(2);
  });

  it('keeps no reading that raced with a change made here', async () => {
    const clock = new ManualClock();
    const shared = sharedStore(clock);
    const health = new CachedAccountHealth(shared.health, clock);
    const reading = health.state(['a']);
    await health.recordFailure('a', { kind: 'rate_limited', retryAfterMs: 60_000 });
    await reading;
    expect(statusOf(await health.state(['a']), 'a')).toBe('cooling_down');
  });
});
