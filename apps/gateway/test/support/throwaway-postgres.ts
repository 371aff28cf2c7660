import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from '@relay/testkit';
import postgres from 'postgres';

/**
 * A PostgreSQL cluster of a test's own (initdb in a temp dir, trust auth, loopback on a free port), so
 * a fault test can stop and start it without touching the shared server. Postgres refuses to run as
 * root, so under root the server runs as the `postgres` user.
 */
export interface ThrowawayPostgres {
  readonly url: string;
  /** Fast shutdown (SIGINT: connections are terminated), resolved once the server has exited. */
  stop(): Promise<void>;
  /** Starts the server again on the same port and data, resolved once it accepts queries. */
  start(): Promise<void>;
  close(): Promise<void>;
}

function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  const version = versions.find((v) => existsSync(join(root, v, 'bin', 'initdb')));
  if (version === undefined) throw new Error(`no PostgreSQL server binaries under ${root}`);
  return join(root, version, 'bin');
}

export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const bin = postgresBin();
  const dir = await mkdtemp(join(tmpdir(), 'relay-pg-'));
  const data = join(dir, 'data');
  const owner =
    process.getuid?.() === 0
      ? {
          uid: Number(execFileSync('id', ['-u', 'postgres']).toString().trim()),
          gid: Number(execFileSync('id', ['-g', 'postgres']).toString().trim()),
        }
      : {};
  if (owner.uid !== undefined && owner.gid !== undefined) chownSync(dir, owner.uid, owner.gid);
  execFileSync(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync'], {
    ...owner,
    stdio: 'ignore',
  });
  const port = await freePort();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let server: ChildProcess | undefined;

  const start = async () => {
    server = spawn(
      join(bin, 'postgres'),
      ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'],
      { ...owner, stdio: 'ignore' },
    );
    const probe = postgres(url, { max: 1, connect_timeout: 1, onnotice: () => {} });
    try {
      await waitFor(
        async () => {
          await probe`select 1`;
          return true;
        },
        { timeoutMs: 30_000, intervalMs: 100, message: 'throwaway postgres accepting queries' },
      );
    } finally {
      await probe.end({ timeout: 1 });
    }
  };
  const stop = async () => {
    const running = server;
    server = undefined;
    if (running === undefined || running.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGINT');
    await exited;
  };
  await start();
  return {
    url,
    stop,
    start,
    close: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
