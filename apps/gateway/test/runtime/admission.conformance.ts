import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  Admission,
  AdmissionRequest,
  BudgetRequest,
  ConcurrencySlots,
  StickySessions,
} from '../../src/runtime/index.ts';
import { SEED_MAX_AGE_MS } from '../../src/runtime/index.ts';
import type { Backend, BackendFactory } from './support/conformance.ts';
import { ManualClock } from './support/manual-clock.ts';

/** Admission plus the stores it shares state with (same process or same Redis prefix). */
export type AdmissionStores = { admission: Admission; slots: ConcurrencySlots; sticky: StickySessions };

const TTL = 10_000;

export function describeAdmissionConformance(name: string, factory: BackendFactory<AdmissionStores>): void {
  describe(`Admission conformance: ${name}`, () => {
    let clock: ManualClock;
    let backend: Backend<AdmissionStores>;
    let admission: Admission;
    let stores: AdmissionStores;
    let tenant: string;
    let sequence = 0;

    beforeEach(async () => {
      clock = new ManualClock();
      backend = await factory(clock);
      stores = backend.subject;
      admission = stores.admission;
      sequence += 1;
      tenant = `usr_${sequence}`;
    });
    afterEach(async () => {
      await backend.cleanup();
    });

    const budget = (over: Partial<BudgetRequest> = {}): BudgetRequest => ({
      key: `{${tenant}}:budget:key`,
      capMicros: 100n,
      usedMicros: 0n,
      version: 1,
      loadedAt: clock.now(),
      reserveMicros: 30n,
      ...over,
    });
    const request = (id: string, over: Partial<AdmissionRequest> = {}): AdmissionRequest => ({
      tenant,
      requestId: id,
      leaseTtlMs: TTL,
      limits: [{ key: `{${tenant}}:rpm:key`, limit: 100, windowMs: 60_000 }],
      slots: [
        { key: `{${tenant}}:conc:key`, limit: 2 },
        { key: `{${tenant}}:conc:user`, limit: 3 },
      ],
      budgets: [],
      ...over,
    });

    it('takes every slot of a request as one lease and frees them on release', async () => {
      expect(await admission.admit(request('r1'))).toEqual({ admitted: true, sticky: null });
      expect(await admission.admit(request('r2'))).toEqual({ admitted: true, sticky: null });
      expect(await admission.admit(request('r3'))).toEqual({
        admitted: false,
        reason: 'concurrency',
        index: 0,
      });
      expect(await stores.slots.inUse(`{${tenant}}:conc:key`)).toBe(2);
      expect(await stores.slots.inUse(`{${tenant}}:conc:user`)).toBe(2);
      await admission.release(request('r1'));
      expect(await stores.slots.inUse(`{${tenant}}:conc:key`)).toBe(1);
      expect(await admission.admit(request('r3'))).toEqual({ admitted: true, sticky: null });
    });

    it('is all or nothing: a refusal at any level takes nothing', async () => {
      const rpm = (id: string) =>
        request(id, { limits: [{ key: `{${tenant}}:rpm:user`, limit: 3, windowMs: 60_000 }] });
      expect((await admission.admit(rpm('a1'))).admitted).toBe(true);
      expect((await admission.admit(rpm('a2'))).admitted).toBe(true);
      expect(await admission.admit(rpm('a3'))).toMatchObject({ reason: 'concurrency', index: 0 });
      await admission.release(rpm('a1'));
      // The refusal did not consume the third rpm unit.
      expect((await admission.admit(rpm('a3'))).admitted).toBe(true);
      await admission.release(rpm('a2'));
      const limited = await admission.admit(rpm('a4'));
      expect(limited).toMatchObject({ admitted: false, reason: 'rate_limited', index: 0 });
      expect((limited as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(0);
      expect(await stores.slots.inUse(`{${tenant}}:conc:key`)).toBe(1);
      // A budget refusal gives back the slots it would have taken.
      const broke = (id: string) =>
        request(id, { limits: [], budgets: [budget({ usedMicros: 100n, reserveMicros: 1n })] });
      expect(await admission.admit(broke('b1'))).toEqual({
        admitted: false,
        reason: 'budget',
        index: 0,
        inFlight: false,
      });
      expect(await stores.slots.inUse(`{${tenant}}:conc:key`)).toBe(1);
    });

    it('releases idempotently and refuses a late admission of a released request id', async () => {
      await admission.release(request('gone'), { refund: true });
      expect(await admission.admit(request('gone'))).toEqual({ admitted: false, reason: 'released' });
      expect(await stores.slots.inUse(`{${tenant}}:conc:key`)).toBe(0);
      const b = (id: string) => request(id, { slots: [], budgets: [budget()] });
      expect((await admission.admit(b('held'))).admitted).toBe(true);
      await admission.release(b('held'), { chargedMicros: 40n });
      await admission.release(b('held'), { chargedMicros: 40n });
      // Spent 40 once: 40 + 30 + 30 < 100 admits two more, the next sees 100.
      expect((await admission.admit(b('x1'))).admitted).toBe(true);
      expect((await admission.admit(b('x2'))).admitted).toBe(true);
      expect(await admission.admit(b('x3'))).toMatchObject({
        reason: 'budget',
      });
    });

    it('frees slots held outside the lease (an account slot) in the release call', async () => {
      // Same hash tag as the lease so the case also runs on Cluster (where other slots cannot be freed).
      const account = { key: `{${tenant}}:conc:account:acc_1`, limit: 1, holder: 'f1', ttlMs: TTL };
      expect((await admission.admit(request('f1'))).admitted).toBe(true);
      expect((await stores.slots.acquire(account)).acquired).toBe(true);
      await admission.release(request('f1'), { freeSlots: [account.key] });
      expect(await stores.slots.inUse(account.key)).toBe(0);
      // Even once released (a retried release), the slots are freed again.
      await stores.slots.acquire(account);
      await admission.release(request('f1'), { freeSlots: [account.key] });
      expect(await stores.slots.inUse(account.key)).toBe(0);
    });

    it('compensates an admission that ran after its release was asked for (refund of the rate limit)', async () => {
      const rpm = (id: string) =>
        request(id, { limits: [{ key: `{${tenant}}:rpm:one`, limit: 1, windowMs: 60_000 }] });
      expect((await admission.admit(rpm('t1'))).admitted).toBe(true);
      await admission.release(rpm('t1'), { refund: true });
      expect(await stores.slots.inUse(`{${tenant}}:conc:user`)).toBe(0);
      expect((await admission.admit(rpm('t2'))).admitted).toBe(true);
    });

    it('corrects a token window to the tokens used when the lease is released (no refund of the rest)', async () => {
      const tpm = (id: string) =>
        request(id, {
          limits: [
            { key: `{${tenant}}:rpm:key`, limit: 100, windowMs: 60_000 },
            { key: `{${tenant}}:tpm:key`, limit: 100, windowMs: 60_000, cost: 80 },
          ],
          slots: [],
        });
      expect((await admission.admit(tpm('k1'))).admitted).toBe(true); // 80 of 100 tokens
      expect(await admission.admit(tpm('k2'))).toMatchObject({
        admitted: false,
        reason: 'rate_limited',
        index: 1,
      });
      // The request used 20 tokens, not the 80 estimated: 60 go back to the window, the rpm unit does not.
      await admission.release(tpm('k1'), { adjust: [{ key: `{${tenant}}:tpm:key`, delta: -60 }] });
      expect((await admission.admit(tpm('k3'))).admitted).toBe(true); // 20 + 80 of 100
      expect(await admission.admit(tpm('k4'))).toMatchObject({
        admitted: false,
        reason: 'rate_limited',
        index: 1,
      });
      const rpmOnly = (id: string) =>
        request(id, { limits: [{ key: `{${tenant}}:rpm:key`, limit: 3, windowMs: 60_000 }], slots: [] });
      // k1 and k3 were counted (the refused ones were not): one more fits in an rpm limit of 3.
      expect((await admission.admit(rpmOnly('r1'))).admitted).toBe(true);
      expect((await admission.admit(rpmOnly('r2'))).admitted).toBe(false);
    });

    it('reserves worst-case costs so concurrent requests cannot overspend, and settles to the charge', async () => {
      const b = (id: string) => request(id, { slots: [], budgets: [budget({ reserveMicros: 40n })] });
      expect((await admission.admit(b('m1'))).admitted).toBe(true); // 0 < 100, reserved 40
      expect((await admission.admit(b('m2'))).admitted).toBe(true); // 40 < 100, reserved 80
      expect((await admission.admit(b('m3'))).admitted).toBe(true); // 80 < 100, reserved 120
      // Not spent, only reserved by requests in flight: the refusal says so.
      expect(await admission.admit(b('m4'))).toEqual({
        admitted: false,
        reason: 'budget',
        index: 0,
        inFlight: true,
      });
      await admission.release(b('m1'), { chargedMicros: 5n }); // spent 5, reserved 80
      await admission.release(b('m2'), { chargedMicros: 5n }); // spent 10, reserved 40
      expect((await admission.admit(b('m4'))).admitted).toBe(true); // 50 < 100
      // A failed request releases its reservation without a charge.
      await admission.release(b('m3'));
      await admission.release(b('m4'));
      expect((await admission.admit(b('m5'))).admitted).toBe(true); // 10 < 100
    });

    it('works for a balance (cap 0, used = −balance) and ignores a stale view of an existing mirror', async () => {
      const balance = (id: string, loadedAt = clock.now()) =>
        request(id, {
          slots: [],
          budgets: [budget({ key: `{${tenant}}:budget:user`, capMicros: 0n, usedMicros: -50n, loadedAt })],
        });
      expect((await admission.admit(balance('u1'))).admitted).toBe(true);
      await admission.release(balance('u1'), { chargedMicros: 45n });
      clock.advance(60_000);
      // The view is a minute old and still says −50: the mirror knows 45 was spent.
      expect((await admission.admit(balance('u2', clock.now() - 60_000))).admitted).toBe(true);
      await admission.release(balance('u2', clock.now() - 60_000), { chargedMicros: 10n });
      expect(await admission.admit(balance('u3', clock.now() - 60_000))).toMatchObject({
        reason: 'budget',
      });
    });

    it('lifts the mirror to the ledger when the ledger shows more spent (lost settlements)', async () => {
      const b = (id: string, usedMicros: bigint) =>
        request(id, { slots: [], budgets: [budget({ usedMicros, loadedAt: clock.now() - 60_000 })] });
      await admission.admit(request('seed', { slots: [], budgets: [budget()] }));
      await admission.release(request('seed', { slots: [], budgets: [budget()] }));
      expect((await admission.admit(b('l1', 50n))).admitted).toBe(true); // mirror lifted to 50, +30
      expect((await admission.admit(b('l2', 0n))).admitted).toBe(true); // 50 + 30 < 100, +30
      expect(await admission.admit(b('l3', 0n))).toMatchObject({ reason: 'budget' }); // 110
    });

    it('seeds a missing mirror only from a fresh view, and re-bases it when the ledger row was edited', async () => {
      const old = clock.now() - SEED_MAX_AGE_MS - 1;
      const b = (id: string, over: Partial<BudgetRequest>) =>
        request(id, { slots: [], budgets: [budget(over)] });
      expect(await admission.admit(b('s1', { loadedAt: old }))).toEqual({
        admitted: false,
        reason: 'stale_view',
        index: 0,
      });
      expect((await admission.admit(b('s1', { usedMicros: 90n }))).admitted).toBe(true);
      await admission.release(b('s1', {}), { chargedMicros: 20n }); // 110 ≥ 100
      expect(await admission.admit(b('s2', {}))).toMatchObject({ reason: 'budget' });
      // An operator reset the quota usage (version 2): a stale view of it must be reloaded first.
      expect(await admission.admit(b('s2', { version: 2, usedMicros: 0n, loadedAt: old }))).toMatchObject({
        reason: 'stale_view',
      });
      expect((await admission.admit(b('s2', { version: 2, usedMicros: 0n }))).admitted).toBe(true);
    });

    it("expires a crashed process's lease after its ttl, and renewal keeps a live one", async () => {
      const long = request('stream', { budgets: [budget({ reserveMicros: 60n })] });
      const crashed = request('crashed', { budgets: [budget({ reserveMicros: 60n })] });
      expect((await admission.admit(long)).admitted).toBe(true);
      expect((await admission.admit(crashed)).admitted).toBe(true);
      for (let i = 0; i < 3; i++) {
        clock.advance(TTL / 2);
        expect(await admission.renew(long, TTL)).toBe(true);
      }
      // crashed's lease ended; long's is still held.
      expect(await admission.renew(crashed, TTL)).toBe(false);
      expect(await stores.slots.inUse(`{${tenant}}:conc:key`)).toBe(1);
      // Its 60 reservation is gone too: 60 < 100 admits.
      expect((await admission.admit(request('next', { budgets: [budget()] }))).admitted).toBe(true);
      await admission.release(long);
      expect(await admission.renew(long, TTL)).toBe(false);
    });

    it('settles a request whose own reservation expired before its release exactly once', async () => {
      const b = (id: string) => request(id, { slots: [], budgets: [budget({ reserveMicros: 40n })] });
      expect((await admission.admit(b('x1'))).admitted).toBe(true);
      clock.advance(TTL + 1);
      // x1's reservation lapsed with its lease; its late release must not give back 40 a second time.
      await admission.release(b('x1'), { chargedMicros: 5n }); // spent 5, reserved 0
      expect((await admission.admit(b('y1'))).admitted).toBe(true); // 5 < 100, reserved 40
      expect((await admission.admit(b('y2'))).admitted).toBe(true); // 45 < 100, reserved 80
      expect((await admission.admit(b('y3'))).admitted).toBe(true); // 85 < 100, reserved 120
      expect(await admission.admit(b('y4'))).toMatchObject({ reason: 'budget', inFlight: true });
    });

    it('re-admits a request id whose reservation expired without counting the old reservation', async () => {
      const b = (id: string) => request(id, { slots: [], budgets: [budget({ reserveMicros: 40n })] });
      expect((await admission.admit(b('x1'))).admitted).toBe(true);
      clock.advance(TTL + 1);
      expect((await admission.admit(b('x1'))).admitted).toBe(true); // reserved 40 (the old 40 lapsed)
      expect((await admission.admit(b('y1'))).admitted).toBe(true); // 40 < 100, reserved 80
      expect((await admission.admit(b('y2'))).admitted).toBe(true); // 80 < 100, reserved 120
      expect(await admission.admit(b('y3'))).toMatchObject({ reason: 'budget', inFlight: true });
    });

    it('reads and refreshes the sticky account in the same call', async () => {
      const key = `{${tenant}}:sticky:sess`;
      await stores.sticky.set(key, 'acc_1', 5_000);
      const sticky = { key, refreshTtlMs: 60_000 };
      expect(await admission.admit(request('s1', { sticky }))).toEqual({ admitted: true, sticky: 'acc_1' });
      clock.advance(30_000);
      expect(await stores.sticky.get(key)).toBe('acc_1');
      expect(await admission.admit(request('s2', { sticky: { key: `${key}x`, refreshTtlMs: 1 } }))).toEqual({
        admitted: true,
        sticky: null,
      });
    });

    it('never admits more than the limits to 50 parallel requests from two processes', async () => {
      const peer = await backend.peer();
      const b = (id: string) =>
        request(id, {
          slots: [{ key: `{${tenant}}:conc:wide`, limit: 20 }],
          budgets: [budget({ capMicros: 1_000n, reserveMicros: 100n })],
        });
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? admission : peer.admission).admit(b(`p${i}`))),
      );
      expect(results.filter((r) => r.admitted)).toHaveLength(10);
      expect(results.filter((r) => !r.admitted && r.reason === 'budget')).toHaveLength(40);
    });

    it('refuses invalid arguments before any I/O', async () => {
      await expect(admission.admit(request('', {}))).rejects.toThrow(RangeError);
      await expect(admission.admit({ ...request('r'), tenant: 'a{b}' })).rejects.toThrow(RangeError);
      await expect(
        admission.admit(request('r', { budgets: [budget({ reserveMicros: -1n })] })),
      ).rejects.toThrow(RangeError);
    });
  });
}
