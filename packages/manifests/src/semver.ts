/** A parsed semantic version (https://semver.org, 2.0.0). */
export interface Semver {
  major: number;
  minor: number;
  patch: number;
  prerelease: string[];
  build: string[];
}

// The regular expression recommended by semver.org, split for readability.
const NUMERIC = '0|[1-9]\\d*';
const PRERELEASE_ID = `(?:${NUMERIC}|\\d*[a-zA-Z-][0-9a-zA-Z-]*)`;
const SEMVER_PATTERN = new RegExp(
  `^(${NUMERIC})\\.(${NUMERIC})\\.(${NUMERIC})` +
    `(?:-(${PRERELEASE_ID}(?:\\.${PRERELEASE_ID})*))?` +
    '(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?$',
);

/** Parses a strict semantic version; returns null when `version` is not one. */
export function parseSemver(version: string): Semver | null {
  const match = SEMVER_PATTERN.exec(version);
  if (!match) return null;
  const [, major, minor, patch, prerelease, build] = match;
  const numbers = [Number(major), Number(minor), Number(patch)] as const;
  // Beyond 2^53 the increment would silently be wrong.
  if (!numbers.every(Number.isSafeInteger)) return null;
  return {
    major: numbers[0],
    minor: numbers[1],
    patch: numbers[2],
    prerelease: prerelease ? prerelease.split('.') : [],
    build: build ? build.split('.') : [],
  };
}

export function isSemver(version: string): boolean {
  return parseSemver(version) !== null;
}

export function formatSemver(version: Semver): string {
  const core = `${version.major}.${version.minor}.${version.patch}`;
  const prerelease = version.prerelease.length > 0 ? `-${version.prerelease.join('.')}` : '';
  const build = version.build.length > 0 ? `+${version.build.join('.')}` : '';
  return `${core}${prerelease}${build}`;
}

/**
 * The next patch version, with npm's semantics: `1.2.3` → `1.2.4`, and a prerelease is
 * released rather than skipped (`1.2.4-rc.1` → `1.2.4`). Build metadata is dropped.
 * Throws on a string that is not a semantic version.
 */
export function bumpPatch(version: string): string {
  const parsed = parseSemver(version);
  if (!parsed) throw new Error(`not a semantic version: ${JSON.stringify(version)}`);
  const patch = parsed.prerelease.length > 0 ? parsed.patch : parsed.patch + 1;
  return formatSemver({ ...parsed, patch, prerelease: [], build: [] });
}
