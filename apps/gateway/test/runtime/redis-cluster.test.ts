import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from '@relay/testkit';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  RedisAdmission,
  RedisConcurrencySlots,
  RedisStickySessions,
  RuntimeUnavailableError,
} from '../../src/runtime/index.ts';
import { describeAdmissionConformance } from './admission.conformance.ts';
import { uniquePrefix } from './support/redis.ts';

/**
 * The admission script on a throwaway three-node Redis Cluster (redis-server in cluster mode on
 * loopback ports, started here): every key of one call carries the tenant's hash tag, so the call
 * runs on the shard that owns it.
 */
const run = promisify(execFile);
const nodes: ChildProcess[] = [];
const clients: Cluster[] = [];
let ports: number[] = [];
let dir: string;

async function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port whose cluster-bus twin (port + 10000) is free too. */
async function clusterPort(taken: number[]): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    if (taken.includes(port)) continue;
    if ((await bindable(port)) && (await bindable(port + 10_000))) return port;
  }
}

function connect(): Cluster {
  const client = new Cluster(
    ports.map((port) => ({ host: '127.0.0.1', port })),
    { redisOptions: { commandTimeout: 5_000, maxRetriesPerRequest: 1 }, enableOfflineQueue: true },
  );
  client.on('error', () => {});
  clients.push(client);
  return client;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'relay-cluster-'));
  for (let i = 0; i < 3; i++) ports.push(await clusterPort(ports));
  for (const port of ports) {
    nodes.push(
      spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          `nodes-${port}.conf`,
          '--save',
          '',
          '--appendonly',
          'no',
        ],
        { cwd: dir, stdio: 'ignore' },
      ),
    );
  }
  await waitFor(
    async () => {
      for (const port of ports) {
        try {
          await run('redis-cli', ['-p', String(port), 'ping']);
        } catch {
          return false;
        }
      }
      return true;
    },
    { timeoutMs: 10_000, message: 'cluster nodes up' },
  );
  await run('redis-cli', [
    '--cluster',
    'create',
    ...ports.map((port) => `127.0.0.1:${port}`),
    '--cluster-replicas',
    '0',
    '--cluster-yes',
  ]);
  await waitFor(
    async () => {
      const { stdout } = await run('redis-cli', ['-p', String(ports[0]), 'cluster', 'info']);
      return stdout.includes('cluster_state:ok');
    },
    { timeoutMs: 20_000, message: 'cluster state ok' },
  );
}, 60_000);

afterAll(async () => {
  for (const client of clients) client.disconnect();
  for (const node of nodes) if (node.pid !== undefined) node.kill('SIGKILL');
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  ports = [];
});

describeAdmissionConformance('redis cluster (3 nodes)', async (clock) => {
  const prefix = uniquePrefix();
  const client = connect();
  const create = (c: Cluster) => ({
    admission: new RedisAdmission({ client: c, prefix, clock }),
    slots: new RedisConcurrencySlots({ client: c, prefix, clock }),
    sticky: new RedisStickySessions({ client: c, prefix, clock }),
  });
  return { subject: create(client), peer: async () => create(connect()), cleanup: async () => {} };
});

describe('Redis Cluster hash slots', () => {
  it('refuses a call whose keys span slots instead of running half of it', async () => {
    const admission = new RedisAdmission({ client: connect(), prefix: uniquePrefix() });
    const error = await admission
      .admit({
        tenant: 'usr_a',
        requestId: 'r1',
        leaseTtlMs: 1_000,
        limits: [{ key: '{grp_b}:rpm:group', limit: 5, windowMs: 60_000 }],
        slots: [],
        budgets: [],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuntimeUnavailableError);
    expect(String((error as Error).message)).toMatch(/CROSSSLOT|MOVED|slot/i);
  });
});
