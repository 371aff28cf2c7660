import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './processes.ts';

describe('generated references', () => {
  it('docs/configuration.md and docs/api.md match the code (run `npm run docs` after changing either)', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/generate-docs.ts', '--check'], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 90_000,
    });
    expect(run.stderr.split('\n').filter((line) => line.includes('differs'))).toEqual([]);
    expect(run.status).toBe(0);
  });

  it('the README links every standalone document', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    for (const page of [
      'docs/architecture.md',
      'docs/operations.md',
      'docs/configuration.md',
      'docs/api.md',
      'docs/adr/',
    ]) {
      expect(readme).toContain(`](${page})`);
    }
  });
});
