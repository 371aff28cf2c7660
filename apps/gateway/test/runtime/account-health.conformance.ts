import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AccountHealth, DEFAULT_ACCOUNT_HEALTH_OPTIONS } from '../../src/runtime/index.ts';
import type { Backend, BackendFactory } from './support/conformance.ts';
import { ManualClock } from './support/manual-clock.ts';

const { openMs, rateLimitCooldownMs, maxCooldownMs, trialTtlMs } = DEFAULT_ACCOUNT_HEALTH_OPTIONS;

/** Suites run with DEFAULT_ACCOUNT_HEALTH_OPTIONS (3 failures open the circuit for 30 s). */
export function describeAccountHealthConformance(name: string, factory: BackendFactory<AccountHealth>): void {
  describe(`AccountHealth conformance: ${name}`, () => {
    let clock: ManualClock;
    let backend: Backend<AccountHealth>;
    let health: AccountHealth;

    beforeEach(async () => {
      clock = new ManualClock();
      backend = await factory(clock);
      health = backend.subject;
    });
    afterEach(async () => {
      await backend.cleanup();
    });

    const stateOf = async (id: string) => (await health.state([id])).get(id);

    it('reports unknown accounts as closed and lets them through', async () => {
      expect(await stateOf('acc_new')).toEqual({ status: 'closed' });
      expect(await health.tryAcquireTrial('acc_new')).toBe(true);
      await health.recordSuccess('acc_new');
      expect(await stateOf('acc_new')).toEqual({ status: 'closed' });
    });

    it('cools an account down after a 429 for its Retry-After', async () => {
      const now = clock.now();
      expect(await health.recordFailure('acc_429', { kind: 'rate_limited', retryAfterMs: 5_000 })).toEqual({
        status: 'cooling_down',
        until: now + 5_000,
        reason: 'rate_limited',
      });
      expect(await health.tryAcquireTrial('acc_429')).toBe(false);
      clock.advance(4_999);
      expect((await stateOf('acc_429'))?.status).toBe('cooling_down');
      clock.advance(1);
      expect(await stateOf('acc_429')).toEqual({ status: 'closed' });
      expect(await health.tryAcquireTrial('acc_429')).toBe(true);
    });

    it('uses the default cooldown without Retry-After and caps a huge one', async () => {
      const now = clock.now();
      await health.recordFailure('acc_a', { kind: 'rate_limited' });
      await health.recordFailure('acc_b', { kind: 'rate_limited', retryAfterMs: 10 * 3_600_000 });
      const states = await health.state(['acc_a', 'acc_b']);
      expect(states.get('acc_a')?.until).toBe(now + rateLimitCooldownMs);
      expect(states.get('acc_b')?.until).toBe(now + maxCooldownMs);
    });

    it('opens the circuit after 3 consecutive failures, then allows exactly one half-open trial', async () => {
      const peer = await backend.peer();
      expect(await health.recordFailure('acc_c', { kind: 'server_error' })).toEqual({
        status: 'closed',
        failures: 1,
      });
      await health.recordFailure('acc_c', { kind: 'timeout' });
      const now = clock.now();
      expect(await peer.recordFailure('acc_c', { kind: 'connect_error' })).toEqual({
        status: 'open',
        until: now + openMs,
        reason: 'connect_error',
        failures: 3,
      });
      expect(await health.tryAcquireTrial('acc_c')).toBe(false);

      clock.advance(openMs);
      expect((await stateOf('acc_c'))?.status).toBe('half_open');
      const trials = await Promise.all([
        health.tryAcquireTrial('acc_c'),
        peer.tryAcquireTrial('acc_c'),
        health.tryAcquireTrial('acc_c'),
      ]);
      expect(trials.filter(Boolean)).toHaveLength(1);

      await peer.recordSuccess('acc_c');
      expect(await stateOf('acc_c')).toEqual({ status: 'closed' });
      expect(await health.tryAcquireTrial('acc_c')).toBe(true);
    });

    it('reopens the circuit when the half-open trial fails', async () => {
      for (let i = 0; i < 3; i++) await health.recordFailure('acc_d', { kind: 'server_error' });
      clock.advance(openMs);
      expect(await health.tryAcquireTrial('acc_d')).toBe(true);
      const now = clock.now();
      expect(await health.recordFailure('acc_d', { kind: 'timeout' })).toMatchObject({
        status: 'open',
        until: now + openMs,
        reason: 'timeout',
      });
      expect(await health.tryAcquireTrial('acc_d')).toBe(false);
      clock.advance(openMs);
      expect(await health.tryAcquireTrial('acc_d')).toBe(true);
    });

    it('offers a new trial when the trial holder vanished without reporting', async () => {
      for (let i = 0; i < 3; i++) await health.recordFailure('acc_e', { kind: 'server_error' });
      clock.advance(openMs);
      expect(await health.tryAcquireTrial('acc_e')).toBe(true);
      clock.advance(trialTtlMs - 1);
      expect(await health.tryAcquireTrial('acc_e')).toBe(false);
      clock.advance(1);
      expect(await health.tryAcquireTrial('acc_e')).toBe(true);
    });

    it('resets the consecutive count on success', async () => {
      await health.recordFailure('acc_f', { kind: 'server_error' });
      await health.recordFailure('acc_f', { kind: 'server_error' });
      await health.recordSuccess('acc_f');
      await health.recordFailure('acc_f', { kind: 'server_error' });
      expect(await health.recordFailure('acc_f', { kind: 'server_error' })).toEqual({
        status: 'closed',
        failures: 2,
      });
    });

    it('ignores a late success while the circuit is still open', async () => {
      for (let i = 0; i < 3; i++) await health.recordFailure('acc_g', { kind: 'server_error' });
      await health.recordSuccess('acc_g');
      expect((await stateOf('acc_g'))?.status).toBe('open');
    });

    it('keeps the later deadline when a 429 arrives while the circuit is open', async () => {
      for (let i = 0; i < 3; i++) await health.recordFailure('acc_h', { kind: 'server_error' });
      const now = clock.now();
      await health.recordFailure('acc_h', { kind: 'rate_limited', retryAfterMs: 1_000 });
      expect(await stateOf('acc_h')).toMatchObject({ status: 'open', until: now + openMs });
      await health.recordFailure('acc_h', { kind: 'rate_limited', retryAfterMs: 2 * openMs });
      expect(await stateOf('acc_h')).toEqual({
        status: 'cooling_down',
        until: now + 2 * openMs,
        reason: 'rate_limited',
      });
    });

    it('reads the state of a batch of candidates at once', async () => {
      const now = clock.now();
      await health.recordFailure('acc_cool', { kind: 'rate_limited', retryAfterMs: 7_000 });
      for (let i = 0; i < 3; i++) await health.recordFailure('acc_open', { kind: 'server_error' });
      await health.recordFailure('acc_flaky', { kind: 'timeout' });
      const states = await health.state(['acc_cool', 'acc_open', 'acc_flaky', 'acc_fine']);
      expect([...states.entries()]).toEqual([
        ['acc_cool', { status: 'cooling_down', until: now + 7_000, reason: 'rate_limited' }],
        ['acc_open', { status: 'open', until: now + openMs, reason: 'server_error', failures: 3 }],
        ['acc_flaky', { status: 'closed', failures: 1 }],
        ['acc_fine', { status: 'closed' }],
      ]);
      expect((await health.state([])).size).toBe(0);
    });

    it('forgets everything on clear (admin clear-cooldown)', async () => {
      for (let i = 0; i < 3; i++) await health.recordFailure('acc_i', { kind: 'server_error' });
      await health.recordFailure('acc_j', { kind: 'rate_limited' });
      await health.clear('acc_i');
      await health.clear('acc_j');
      const states = await health.state(['acc_i', 'acc_j']);
      expect(states.get('acc_i')).toEqual({ status: 'closed' });
      expect(states.get('acc_j')).toEqual({ status: 'closed' });
    });

    it('rejects an unknown failure kind', async () => {
      await expect(health.recordFailure('acc_k', { kind: 'oops' as 'timeout' })).rejects.toThrow(RangeError);
    });
  });
}
