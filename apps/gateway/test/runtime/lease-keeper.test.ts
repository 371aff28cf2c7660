import { waitFor } from '@relay/testkit';
import { describe, expect, it } from 'vitest';
import {
  type Admission,
  type AdmissionRequest,
  LeaseKeeper,
  MemoryAdmission,
  MemoryConcurrencySlots,
  MemoryRateLimiter,
  MemoryStickySessions,
  RuntimeUnavailableError,
  type Settlement,
} from '../../src/runtime/index.ts';

/** The real memory admission behind a switch that makes every call fail, as an unreachable Redis does. */
class Unreachable implements Admission {
  down = true;
  releases = 0;
  constructor(private readonly inner: Admission) {}
  private check(operation: string): void {
    if (this.down) throw new RuntimeUnavailableError(operation, new Error('connection is closed'));
  }
  async admit(request: AdmissionRequest) {
    this.check('admit');
    return this.inner.admit(request);
  }
  async renew(request: AdmissionRequest, ttlMs: number) {
    this.check('renew');
    return this.inner.renew(request, ttlMs);
  }
  async release(request: AdmissionRequest, settlement?: Settlement) {
    this.releases += 1;
    this.check('release');
    return this.inner.release(request, settlement);
  }
}

function setup() {
  const slots = new MemoryConcurrencySlots();
  const memory = new MemoryAdmission(new MemoryRateLimiter(), slots, new MemoryStickySessions());
  const flaky = new Unreachable(memory);
  const keeper = new LeaseKeeper({ admission: flaky, leaseTtlMs: 30_000, retryMs: 20 });
  const request = (id: string): AdmissionRequest => ({
    tenant: 'usr_k',
    requestId: id,
    leaseTtlMs: 30_000,
    limits: [],
    slots: [{ key: '{usr_k}:conc:user', limit: 1 }],
    budgets: [
      {
        key: '{usr_k}:budget:user',
        capMicros: 0n,
        usedMicros: -100n,
        version: 1,
        loadedAt: Date.now(),
        reserveMicros: 10n,
      },
    ],
  });
  return { slots, memory, flaky, keeper, request };
}

describe('LeaseKeeper', () => {
  it('releases a lease taken by a call that failed on the client, once the store answers again', async () => {
    const { slots, memory, flaky, keeper, request } = setup();
    // The admission ran in the store but its answer never reached the gateway.
    expect((await memory.admit(request('late'))).admitted).toBe(true);
    keeper.compensate(request('late'));
    await waitFor(() => flaky.releases >= 3, { timeoutMs: 2_000 });
    expect(await slots.inUse('{usr_k}:conc:user')).toBe(1);
    expect(keeper.backlog).toBe(1);
    flaky.down = false;
    await waitFor(() => keeper.backlog === 0, { timeoutMs: 2_000 });
    expect(await slots.inUse('{usr_k}:conc:user')).toBe(0);
    keeper.close();
  });

  it('merges a pending compensation with the request’s own release: the charge is settled once', async () => {
    const { memory, flaky, keeper, request } = setup();
    expect((await memory.admit(request('both'))).admitted).toBe(true);
    keeper.compensate(request('both'));
    keeper.release(request('both'), { chargedMicros: 95n });
    await waitFor(() => keeper.backlog === 1, { timeoutMs: 2_000 });
    flaky.down = false;
    await waitFor(() => keeper.backlog === 0, { timeoutMs: 2_000 });
    // Balance 100, spent 95: the next request is admitted (5 left), the one after is refused.
    expect((await memory.admit(request('next'))).admitted).toBe(true);
    await memory.release(request('next'), { chargedMicros: 5n });
    expect(await memory.admit(request('last'))).toMatchObject({ admitted: false, reason: 'budget' });
    keeper.close();
  });
});
