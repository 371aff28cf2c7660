import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './processes.ts';

/**
 * The repository stands alone: no file points readers at documents a clone does not contain (a product
 * spec kept outside, its section numbers, a seed project's folders, an absolute path on a build machine).
 * Project documents are linked by their path in the repository (docs/architecture.md, docs/adr/…).
 */
const OUTSIDE = [
  /\.\.\/shared\b/,
  /(^|[\s`'"(])shared\/(spec|seeds?|style)/,
  /\bspec\/[a-z-]+\.md\b/,
  /\bseeds\//,
  // a bare spec file name; the repository's own docs are always written with their folder (docs/console.md)
  /(?<![\w/-])(gateway|manager|quality|overview|style|console|translation)\.md\b/,
  /\.md §\s?\d/,
  /\/work\/(shared|main|wt)\b/,
  /\b(the|product) spec\b/i,
];

/**
 * Exempt, because their text cannot change: applied migrations are checksummed (apps/manager/src/db/migrate.ts
 * refuses a database whose recorded sha256 differs), so rewording a comment in one would break every
 * existing manager database. The lockfile is generated. This file names the patterns it looks for.
 */
const EXEMPT = [
  /^apps\/manager\/src\/db\/migrations\/\d+_[\w-]+\.sql$/,
  /^pnpm-lock\.yaml$/,
  /^packages\/repo-checks\/test\/self-contained\.test\.ts$/,
];

function trackedFiles(): string[] {
  const run = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  expect(run.status).toBe(0);
  return run.stdout.split('\0').filter((file) => file !== '');
}

describe('the repository stands alone', () => {
  it('no file refers to documents outside the repository', () => {
    const found: string[] = [];
    const files = trackedFiles();
    expect(files.length).toBeGreaterThan(100);
    for (const file of files) {
      if (EXEMPT.some((pattern) => pattern.test(file))) continue;
      let text: string;
      try {
        text = readFileSync(join(repoRoot, file), 'utf8');
      } catch {
        continue; // deleted in the work tree
      }
      if (text.includes('\0')) continue; // binary
      text.split('\n').forEach((line, index) => {
        for (const pattern of OUTSIDE) {
          if (pattern.test(line)) found.push(`${file}:${index + 1}: ${line.trim().slice(0, 120)}`);
        }
      });
    }
    expect(found).toEqual([]);
  });

  it('the checker catches each kind of outside reference', () => {
    const samples = [
      // (spelled in parts so that a bulk rewrite, or a grep, of such references leaves these samples alone)
      `see ${['..', 'shared', 'spec', 'overview.md'].join('/')}`,
      `as gateway${'.md'} §3 says`,
      `(quality${'.md'}: ≤ 150 µs)`,
      'the product spec says',
      'copied from seeds/sub2api',
      'read /work/shared/style.md',
    ];
    for (const sample of samples)
      expect(
        OUTSIDE.some((pattern) => pattern.test(sample)),
        sample,
      ).toBe(true);
    for (const fine of ['see [operations](docs/operations.md)', '[docs/console.md](docs/console.md)']) {
      expect(
        OUTSIDE.some((pattern) => pattern.test(fine)),
        fine,
      ).toBe(false);
    }
  });
});
