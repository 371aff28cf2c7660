import { describe, expect, it } from 'vitest';
import { orderCandidates, type SelectionCandidate } from '../../src/relay/order-candidates.ts';

const candidate = (accountId: string, extra: Partial<SelectionCandidate> = {}): SelectionCandidate => ({
  accountId,
  priority: 50,
  weight: 1,
  concurrency: 3,
  inFlight: 0,
  lastUsedAt: 0,
  ...extra,
});
const ids = (list: SelectionCandidate[]) => list.map((c) => c.accountId);

describe('orderCandidates', () => {
  it('tries lower priority tiers first', () => {
    expect(
      ids(orderCandidates([candidate('b', { priority: 60 }), candidate('a', { priority: 10 })], undefined)),
    ).toEqual(['a', 'b']);
  });

  it('prefers the least loaded relative to capacity and weight within a tier', () => {
    const list = [
      candidate('busy', { inFlight: 2, concurrency: 3 }),
      candidate('big', { inFlight: 2, concurrency: 10 }),
      candidate('heavy', { inFlight: 2, concurrency: 3, weight: 4 }),
    ];
    expect(ids(orderCandidates(list, undefined))).toEqual(['heavy', 'big', 'busy']);
  });

  it('breaks ties by least recently used', () => {
    expect(
      ids(
        orderCandidates(
          [candidate('recent', { lastUsedAt: 200 }), candidate('old', { lastUsedAt: 100 })],
          undefined,
        ),
      ),
    ).toEqual(['old', 'recent']);
  });

  it('puts the sticky account first while it is a candidate, and ignores it otherwise', () => {
    const list = [candidate('a', { priority: 10 }), candidate('b', { priority: 60 })];
    expect(ids(orderCandidates(list, 'b'))).toEqual(['b', 'a']);
    expect(ids(orderCandidates(list, 'gone'))).toEqual(['a', 'b']);
  });
});
