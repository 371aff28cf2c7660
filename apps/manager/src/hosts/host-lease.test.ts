import { afterEach, describe, expect, it } from 'vitest';
import { TestClock } from '../../test/support/test-services.ts';
import { openDatabase } from '../db/database.ts';
import { ManagerError } from '../errors.ts';
import type { Store } from '../store/store.ts';
import { createStore } from '../store/store.ts';
import { HostLeases } from './host-lease.ts';

let store: Store;
afterEach(() => store?.database.close());

function setup(ttlMs = 60_000) {
  store = createStore(openDatabase(':memory:'));
  const clock = new TestClock();
  return { clock, leases: new HostLeases(store, clock.now, { ttlMs, renewEveryMs: 1_000_000 }) };
}

function deferred() {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('HostLeases.withHostLease', () => {
  it('lets one operation per host run; the second gets 409 HOST_BUSY naming the first', async () => {
    const { leases } = setup();
    const gate = deferred();
    const first = leases.withHostLease('hst_a', 'host.smoke', () => gate.promise.then(() => 'first done'));
    const second = leases.withHostLease('hst_a', 'host.update', async () => 'second ran');
    await expect(second).rejects.toMatchObject({
      code: 'HOST_BUSY',
      status: 409,
      details: { operation: 'host.smoke' },
    });
    gate.resolve();
    await expect(first).resolves.toBe('first done');
    // Released: the host takes a new operation.
    await expect(leases.withHostLease('hst_a', 'host.update', async () => 'third ran')).resolves.toBe(
      'third ran',
    );
  });

  it('does not block other hosts', async () => {
    const { leases } = setup();
    const gate = deferred();
    const first = leases.withHostLease('hst_a', 'host.smoke', () => gate.promise);
    await expect(leases.withHostLease('hst_b', 'host.smoke', async () => 'other host')).resolves.toBe(
      'other host',
    );
    gate.resolve();
    await first;
  });

  it('releases the lease when the operation throws', async () => {
    const { leases } = setup();
    await expect(
      leases.withHostLease('hst_a', 'host.delete', async () => {
        throw new ManagerError('HOST_HAS_RESOURCES', 'nope');
      }),
    ).rejects.toMatchObject({ code: 'HOST_HAS_RESOURCES' });
    expect(store.leases.get('hst_a')).toBeUndefined();
    await expect(leases.withHostLease('hst_a', 'host.update', async () => 'ok')).resolves.toBe('ok');
  });

  it('lets a new operation take over a lease whose holder died (expired)', async () => {
    const { leases, clock } = setup(60_000);
    // A crashed holder: the row exists, nobody will release it.
    expect(store.leases.tryAcquire('hst_a', 'dead-process', 'host.smoke', clock.now(), 60_000)).toBe(true);
    await expect(leases.withHostLease('hst_a', 'host.update', async () => 'x')).rejects.toMatchObject({
      code: 'HOST_BUSY',
    });
    clock.advance(60_000);
    await expect(leases.withHostLease('hst_a', 'host.update', async () => 'taken over')).resolves.toBe(
      'taken over',
    );
    // The dead holder's late release does not remove someone else's lease.
    store.leases.release('hst_a', 'dead-process');
  });

  it('acquires atomically: of many simultaneous attempts exactly one wins', () => {
    setup();
    const winners = Array.from({ length: 20 }, (_, i) =>
      store.leases.tryAcquire('hst_a', `owner-${i}`, 'op', 1000, 60_000),
    ).filter(Boolean);
    expect(winners).toHaveLength(1);
  });

  it('renews only a lease still held by the same owner', () => {
    setup();
    expect(store.leases.tryAcquire('hst_a', 'me', 'op', 1000, 10)).toBe(true);
    expect(store.leases.renew('hst_a', 'me', 5000)).toBe(true);
    expect(store.leases.renew('hst_a', 'someone-else', 9000)).toBe(false);
    expect(store.leases.get('hst_a')).toMatchObject({ owner: 'me', expiresAt: 5000 });
  });
});
