// Makes a fresh clone runnable with only Node and npm: finds or installs pnpm, then installs the
// workspace dependencies when the lockfile changed since the last install. Plain Node, no dependencies.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PNPM_VERSION = '10';

function hasPnpm() {
  return (
    spawnSync('pnpm', ['--version'], { stdio: 'ignore', shell: process.platform === 'win32' }).status === 0
  );
}

/** pnpm on PATH for this process and its children: global if present, else a project-local copy. */
export function ensurePnpm() {
  if (hasPnpm()) return;
  // RELAY_TOOLS_DIR moves the local copy (tests use it); .tools/ is git-ignored.
  const local = process.env.RELAY_TOOLS_DIR ?? join(root, '.tools');
  process.env.PATH = `${join(local, 'node_modules', '.bin')}${delimiter}${process.env.PATH ?? ''}`;
  if (hasPnpm()) return;
  console.log(`[relay] pnpm not found: installing pnpm@${PNPM_VERSION} into .tools/`);
  mkdirSync(local, { recursive: true });
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefix', local, `pnpm@${PNPM_VERSION}`], {
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
}

/** Installs dependencies unless node_modules already matches the lockfile. */
export function ensureInstalled() {
  ensurePnpm();
  const lock = readFileSync(join(root, 'pnpm-lock.yaml'));
  const digest = createHash('sha256').update(lock).digest('hex');
  const stamp = join(root, 'node_modules', '.relay-install-stamp');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === digest) return;
  console.log('[relay] installing dependencies (first run builds better-sqlite3, ~2 min)');
  const args = ['install', '--prefer-offline'];
  if (process.env.CI) args.push('--frozen-lockfile');
  execFileSync('pnpm', args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  writeFileSync(stamp, digest);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) ensureInstalled();
