import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ManagedProcess } from '@relay/testkit';
import { freePort, startTsxProcess } from '@relay/testkit';

export const SERVE_ENTRY = fileURLToPath(new URL('../../src/serve.ts', import.meta.url));

/** Settings a developer's shell could carry into the child and change what a test sees. */
const SCRUBBED = [
  'MANAGER_ADMIN_TOKEN',
  'MANAGER_LISTEN_ADDR',
  'MANAGER_SQLITE_PATH',
  'MANAGER_REPO_ROOT',
  'MANAGER_ADMIN_USERNAME',
  'MANAGER_ADMIN_PASSWORD',
  'MANAGER_ADMIN_SESSION_TTL',
  'MANAGER_COOKIE_SECURE',
  'MANAGER_GIT_AUTHOR',
  'MANAGER_SECRET_KEY',
  'MANAGER_PROBE_INTERVAL',
  'MANAGER_BATCH_CONCURRENCY',
  'MANAGER_QUEUE_PREFIX',
  'REDIS_URL',
  'SUB2API_CRM_ADMIN_TOKEN',
  'SUB2API_CRM_LISTEN_ADDR',
  'SUB2API_CRM_SQLITE_DSN',
  'SUB2API_CRM_REPO_ROOT',
  'SUB2API_CRM_ADMIN_USERNAME',
  'SUB2API_CRM_ADMIN_PASSWORD',
  'SUB2API_CRM_ADMIN_SESSION_TTL',
];

export type ManagerProcess = {
  url: string;
  proc: ManagedProcess;
  dataDir: string;
  dbPath: string;
  /** SIGTERM and wait for the exit (the data directory stays, for inspection). */
  stop(): Promise<void>;
  /** Stops if still running, then removes the data directory. */
  dispose(): Promise<void>;
};

/**
 * Starts the real manager (`node --import tsx src/serve.ts`) on a free loopback port with a fresh SQLite
 * file, and resolves once /healthz answers.
 */
export async function startManagerProcess(env: Record<string, string>): Promise<ManagerProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'relay-manager-e2e-'));
  const dbPath = join(dataDir, 'manager.db');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = await startTsxProcess(
    SERVE_ENTRY,
    {
      ...Object.fromEntries(SCRUBBED.map((name) => [name, undefined])),
      NODE_ENV: 'test',
      MANAGER_LISTEN_ADDR: `127.0.0.1:${port}`,
      MANAGER_SQLITE_PATH: dbPath,
      LOG_LEVEL: 'debug',
      ...env,
    },
    { readyUrl: `${url}/healthz`, timeoutMs: 30_000, outputLimit: 8 * 1024 * 1024 },
  );
  return {
    url,
    proc,
    dataDir,
    dbPath,
    stop: async () => {
      if (proc.exitInfo === undefined) await proc.stop('SIGTERM', 10_000);
    },
    dispose: async () => {
      if (proc.exitInfo === undefined) await proc.stop('SIGTERM', 10_000);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
