import { describe, expect, it } from 'vitest';
import { bumpPatch, isSemver, parseSemver } from '../src/semver.ts';

describe('bumpPatch', () => {
  it.each([
    ['1.0.0', '1.0.1'],
    ['0.0.9', '0.0.10'],
    ['2.13.99', '2.13.100'],
    ['1.2.3+build.7', '1.2.4'],
    // A prerelease is released, not skipped (npm semantics).
    ['1.2.4-rc.1', '1.2.4'],
    ['1.0.0-alpha+001', '1.0.0'],
  ])('%s → %s', (from, to) => {
    expect(bumpPatch(from)).toBe(to);
  });

  it.each(['1.0', 'v1.0.0', '01.0.0', '1.0.0-', '1.0.0-01', '', ' 1.0.0', '1.0.0.0', '9007199254740992.0.0'])(
    'refuses %j',
    (version) => {
      expect(() => bumpPatch(version)).toThrow(/not a semantic version/);
    },
  );
});

describe('parseSemver', () => {
  it('splits prerelease and build identifiers', () => {
    expect(parseSemver('1.0.0-x.7.z.92+exp.sha.5114f85')).toEqual({
      major: 1,
      minor: 0,
      patch: 0,
      prerelease: ['x', '7', 'z', '92'],
      build: ['exp', 'sha', '5114f85'],
    });
  });

  it.each([
    ['0.0.0', true],
    ['1.0.0-0A.is.legal', true],
    ['1.0.0+0.build.1-rc.10000aaa-kk-0.1', true],
    ['1.2', false],
    ['1.2.3-+', false],
    ['latest', false],
  ])('isSemver(%j) is %s', (version, expected) => {
    expect(isSemver(version)).toBe(expected);
  });
});
