import { describe, expect, it } from 'vitest';
import { newId } from './ids.ts';

describe('newId', () => {
  it('is prefixed, url-safe and 26 characters after the prefix', () => {
    expect(newId('hst')).toMatch(/^hst_[0-9a-z]{26}$/);
  });

  it('sorts in creation order, also within one millisecond', () => {
    const ids = Array.from({ length: 200 }, () => newId('aud', 1_700_000_000_000));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(newId('aud', 1_700_000_000_001) > (ids[ids.length - 1] ?? '')).toBe(true);
  });
});
