import { describe, expect, it } from 'vitest';
import { ReleasedRequests } from '../../src/runtime/released-requests.ts';

const T0 = 1_800_000_000_500;

describe('ReleasedRequests', () => {
  it('remembers an id until its deadline, rounded up to the second, then forgets it', () => {
    const released = new ReleasedRequests(T0);
    released.add('usr_a', 'req_1', T0 + 60_000, T0);
    expect(released.has('usr_a', 'req_1', T0 + 59_999)).toBe(true);
    // The deadline (T0 + 60 000 ms) falls mid-second: the id is kept to the end of that second.
    expect(released.has('usr_a', 'req_1', T0 + 60_499)).toBe(true);
    expect(released.has('usr_a', 'req_1', T0 + 60_500)).toBe(false);
  });

  it('keeps tenants apart: the same request id released by one tenant is unknown to another', () => {
    const released = new ReleasedRequests(T0);
    released.add('usr_a', 'req_same', T0 + 60_000, T0);
    expect(released.has('usr_a', 'req_same', T0)).toBe(true);
    expect(released.has('usr_b', 'req_same', T0)).toBe(false);
  });

  it('drops expired ids while others are added, so memory follows the ids still remembered', () => {
    const released = new ReleasedRequests(T0);
    for (let i = 0; i < 1000; i++) released.add('usr_a', `old_${i}`, T0 + 1_000, T0);
    expect(released.size).toBe(1000);
    const later = T0 + 5_000;
    for (let i = 0; i < 1000; i++) released.add('usr_a', `new_${i}`, later + 60_000, later);
    expect(released.size).toBe(1000);
    expect(released.has('usr_a', 'new_0', later)).toBe(true);
    expect(released.has('usr_a', 'old_999', later)).toBe(false);
  });
});
