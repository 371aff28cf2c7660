import { describe, expect, it } from 'vitest';
import { REASON_CATEGORIES, REASON_CODES, REASON_MESSAGES } from '../src/index.ts';
import { ACCESS_ROWS } from './access-rows.ts';
import { CLOSURE_ROWS } from './closure-rows.ts';

describe('reason codes', () => {
  it('every code has a category and a message', () => {
    expect(Object.keys(REASON_CATEGORIES).sort()).toEqual([...REASON_CODES].sort());
    expect(Object.keys(REASON_MESSAGES).sort()).toEqual([...REASON_CODES].sort());
  });

  it('every code is exercised by a table row of evaluateAccess or evaluateGroupClosure', () => {
    const covered = new Set([...ACCESS_ROWS.map((r) => r.reason), ...CLOSURE_ROWS.map((r) => r.reason)]);
    expect(REASON_CODES.filter((code) => !covered.has(code))).toEqual([]);
  });

  it('codes are unique, upper snake case', () => {
    expect(new Set(REASON_CODES).size).toBe(REASON_CODES.length);
    for (const code of REASON_CODES) expect(code).toMatch(/^[A-Z]+(_[A-Z]+)*$/);
  });
});
