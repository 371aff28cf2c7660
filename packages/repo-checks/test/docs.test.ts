import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ADMIN_ERROR_STATUS, MANAGER_ERROR_STATUS, PUBLIC_ERROR_STATUS } from '../../schemas/src/errors.ts';
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

describe('operations guide', () => {
  const guide = readFileSync(join(repoRoot, 'docs/operations.md'), 'utf8');
  const section = (title: string) => {
    const start = guide.indexOf(`### ${title}`);
    expect(start, title).toBeGreaterThanOrEqual(0);
    const end = guide.indexOf('\n### ', start + 4);
    return guide.slice(start, end === -1 ? undefined : end);
  };

  it.each([
    ['Tenant API (`/v1/*`)', PUBLIC_ERROR_STATUS],
    ['Gateway admin API (`/admin/v1`)', ADMIN_ERROR_STATUS],
    ['Manager API (`/api`)', MANAGER_ERROR_STATUS],
  ])('explains every error code of the %s with its status', (title, codes) => {
    const text = section(title);
    const missing = Object.entries(codes).filter(
      ([code, status]) => !text.includes(`| \`${code}\` | ${status} |`),
    );
    expect(missing.map(([code]) => code)).toEqual([]);
  });

  it('has a section for every alert runbook link', () => {
    const alerts = readFileSync(join(repoRoot, 'infra/prometheus/alerts.yml'), 'utf8');
    const anchors = [...alerts.matchAll(/runbook: docs\/operations\.md#([a-z0-9-]+)/g)].map(
      (m) => m[1] as string,
    );
    expect(anchors.length).toBeGreaterThan(5);
    const headings = new Set(
      [...guide.matchAll(/^#{2,4} (.+)$/gm)].map((m) =>
        (m[1] as string)
          .toLowerCase()
          .replace(/[^a-z0-9 -]/g, '')
          .replaceAll(' ', '-'),
      ),
    );
    expect(anchors.filter((anchor) => !headings.has(anchor))).toEqual([]);
  });
});
