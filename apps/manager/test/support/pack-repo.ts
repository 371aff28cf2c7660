import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const BUILT_IN_PACKS = fileURLToPath(new URL('../../../../packs', import.meta.url));

/** A throwaway git repository holding a copy of the built-in packs, with one commit. */
export type PackRepo = {
  root: string;
  git(...args: string[]): string;
  /** Every file outside .git with its sha256, plus HEAD, the index and `git status`: "the repository as it was". */
  snapshot(): string;
  dispose(): void;
};

export function createPackRepo(): PackRepo {
  const root = mkdtempSync(join(tmpdir(), 'relay-pack-repo-'));
  cpSync(BUILT_IN_PACKS, join(root, 'packs'), { recursive: true });
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: root,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'test',
        GIT_AUTHOR_EMAIL: 'test@example.com',
        GIT_COMMITTER_NAME: 'test',
        GIT_COMMITTER_EMAIL: 'test@example.com',
      },
    });
  git('init', '--quiet', '--initial-branch=main');
  git('add', '.');
  git('-c', 'commit.gpgsign=false', 'commit', '--quiet', '-m', 'packs');
  return {
    root,
    git,
    snapshot: () => {
      const files = listFiles(root).map(
        (file) => `${relative(root, file)} ${createHash('sha256').update(readFileSync(file)).digest('hex')}`,
      );
      return [
        git('rev-parse', 'HEAD'),
        git('ls-files', '--stage'),
        git('status', '--porcelain', '--untracked-files=all'),
        ...files,
      ].join('\n');
    },
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.name !== '.git')
    .flatMap((entry) => (entry.isDirectory() ? listFiles(join(dir, entry.name)) : [join(dir, entry.name)]))
    .sort();
}

/** A provider manifest for drafts: the built-in DeepSeek one with a new model. */
export function draftManifest(root: string, extraModel = 'deepseek-v4'): Record<string, any> {
  const manifest = JSON.parse(readFileSync(join(root, 'packs/cn/providers/deepseek.json'), 'utf8'));
  manifest.models.push({ id: extraModel, price: { input: 0.3, output: 0.5 } });
  return manifest;
}
