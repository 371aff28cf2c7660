import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from './backoff.ts';
import { encodeQuery } from './query.ts';

describe('backoffDelayMs', () => {
  it('doubles per attempt with jitter between half and the full step, capped', () => {
    expect(backoffDelayMs(0, 100, 5_000, () => 0)).toBe(50);
    expect(backoffDelayMs(0, 100, 5_000, () => 1)).toBe(100);
    expect(backoffDelayMs(3, 100, 5_000, () => 1)).toBe(800);
    expect(backoffDelayMs(20, 100, 5_000, () => 1)).toBe(5_000);
  });
});

describe('encodeQuery', () => {
  it('drops empty values, repeats arrays and encodes reserved characters', () => {
    expect(encodeQuery({ a: undefined, b: null, label: ['k=v', 'x=a&b'], n: 2, t: true })).toBe(
      '?label=k%3Dv&label=x%3Da%26b&n=2&t=true',
    );
    expect(encodeQuery({})).toBe('');
    expect(encodeQuery(undefined)).toBe('');
  });
});
