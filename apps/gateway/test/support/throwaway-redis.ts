import { type ChildProcess, spawn } from 'node:child_process';
import { freePort, waitFor } from '@relay/testkit';
import { Redis } from 'ioredis';

/**
 * A redis-server of the test's own on a free loopback port, without persistence, so a fault test can
 * pause (SIGSTOP), resume (SIGCONT) or kill it without touching the shared Redis. Only this PID is ever
 * signalled.
 */
export type ThrowawayRedis = {
  url: string;
  port: number;
  pid: number;
  /** A plain client for assertions (not used by the code under test). */
  client: Redis;
  pause(): void;
  resume(): void;
  close(): Promise<void>;
};

export async function startThrowawayRedis(extraArgs: string[] = []): Promise<ThrowawayRedis> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs],
    { stdio: 'ignore' },
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error('redis-server did not start (is it installed?)');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `redis://127.0.0.1:${port}`;
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 100 });
  client.on('error', () => {});
  await waitFor(
    async () => {
      try {
        if (client.status === 'wait') await client.connect();
        return (await client.ping()) === 'PONG';
      } catch {
        return false;
      }
    },
    { timeoutMs: 10_000, intervalMs: 50, message: `redis-server on ${port}` },
  );
  return {
    url,
    port,
    pid,
    client,
    pause: () => process.kill(pid, 'SIGSTOP'),
    resume: () => process.kill(pid, 'SIGCONT'),
    close: async () => {
      client.disconnect();
      try {
        process.kill(pid, 'SIGCONT');
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await exited;
    },
  };
}
