import { describe, expect, it } from 'vitest';
import { usdToMicros } from '../src/index.ts';

describe('usdToMicros', () => {
  it.each([
    ['12.50', 12_500_000n],
    ['0.000001', 1n],
    ['-0.01', -10_000n],
    ['7', 7_000_000n],
    ['0.1', 100_000n],
    ['123456789012.123456', 123_456_789_012_123_456n],
  ])('%s → %s micro-USD', (text, micros) => {
    expect(usdToMicros(text)).toBe(micros);
  });

  it.each(['', '1e3', '1.1234567', '0x10', '1,5', '.5', 'NaN'])('rejects %j', (text) => {
    expect(() => usdToMicros(text)).toThrow(/invalid USD amount/);
  });
});
