import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { createRedisClient } from '../../../src/runtime/index.ts';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix no other test (or engineer) uses: isolation by construction. */
export function uniquePrefix(): string {
  return `test:${randomBytes(6).toString('hex')}:`;
}

/** A command client that is connected: it never queues, so it must be ready before first use. */
export async function testClient(name = 'runtime-test'): Promise<Redis> {
  const client = createRedisClient(REDIS_URL, 'command', { name, commandTimeoutMs: 5_000 });
  await waitUntilReady(client);
  return client;
}

export function waitUntilReady(client: Redis): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis not ready at ${REDIS_URL}`)), 5_000);
    client.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export async function keysUnder(client: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

export async function deleteUnder(client: Redis, prefix: string): Promise<void> {
  const keys = await keysUnder(client, prefix);
  if (keys.length > 0) await client.del(...keys);
}

/** Tracks extra connections opened by a test and closes them all at cleanup. */
export class Connections {
  private readonly clients: Redis[] = [];

  async open(name?: string): Promise<Redis> {
    const client = await testClient(name);
    this.clients.push(client);
    return client;
  }

  /** Registers a client created elsewhere so cleanup closes it too. */
  track(client: Redis): Redis {
    this.clients.push(client);
    return client;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.clients.splice(0).map((c) => c.quit().catch(() => c.disconnect())));
  }
}
