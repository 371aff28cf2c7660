import { randomBytes } from 'node:crypto';
import { waitFor } from '@relay/testkit';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { BullmqItemQueue } from '../../src/batch-runs/bullmq-item-queue.ts';
import type { ItemJob, ItemQueue } from '../../src/batch-runs/item-queue.ts';
import { SqliteItemQueue } from '../../src/batch-runs/sqlite-item-queue.ts';
import { openDatabase } from '../../src/db/database.ts';
import { createLogger } from '../../src/logger.ts';

/** One conformance suite for both item queues: the embedded SQLite one and BullMQ on the shared Redis. */

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const logger = createLogger({ level: 'silent' });

type Backend = {
  name: string;
  make(concurrency: number): Promise<{ queue: ItemQueue; cleanup(): Promise<void> }>;
};

const backends: Backend[] = [
  {
    name: 'sqlite',
    make: async (concurrency) => {
      const database = openDatabase(':memory:');
      const now = Date.now();
      // Jobs reference runs: make the runs the tests use.
      database.sqlite
        .prepare(
          `INSERT INTO hosts (id, name, base_url, token_ciphertext, token_fingerprint, labels, status, created_at, updated_at) VALUES ('hst_1', 'h', 'http://x', 'c', 'f', '{}', 'active', ${now}, ${now})`,
        )
        .run();
      for (const run of ['run_a', 'run_b', 'run_c']) {
        database.sqlite
          .prepare(
            `INSERT INTO batch_import_runs (id, host_id, provider_id, status, actor, created_at) VALUES (?, 'hst_1', 'p', 'running', 'test', ${now})`,
          )
          .run(run);
      }
      const queue = new SqliteItemQueue(database.sqlite, { concurrency, clock: Date.now, logger });
      return { queue, cleanup: async () => database.close() };
    },
  },
  {
    name: 'bullmq',
    make: async (concurrency) => {
      const prefix = `{relay-manager-test-${randomBytes(6).toString('hex')}}`;
      const queue = new BullmqItemQueue({ redisUrl: REDIS_URL, concurrency, logger, prefix });
      return {
        queue,
        cleanup: async () => {
          const redis = new Redis(REDIS_URL);
          const keys = await redis.keys(`${prefix}:*`);
          if (keys.length > 0) await redis.del(...keys);
          await redis.quit();
        },
      };
    },
  },
];

describe.each(backends)('item queue: $name', (backend) => {
  let cleanup: (() => Promise<void>) | undefined;
  let queue: ItemQueue | undefined;
  afterEach(async () => {
    await queue?.close();
    await cleanup?.();
    queue = undefined;
    cleanup = undefined;
  });

  async function make(concurrency: number) {
    const made = await backend.make(concurrency);
    queue = made.queue;
    cleanup = made.cleanup;
    return made.queue;
  }

  it('handles every job once with at most `concurrency` at a time', async () => {
    const q = await make(3);
    const seen: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    q.start(async (job) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      seen.push(`${job.runId}:${job.index}`);
      inFlight--;
    });
    const jobs: ItemJob[] = Array.from({ length: 30 }, (_, index) => ({ runId: 'run_a', index }));
    await q.enqueue(jobs);
    await waitFor(() => seen.length >= 30, { timeoutMs: 15_000, message: 'all jobs handled' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen.sort()).toEqual(jobs.map((j) => `run_a:${j.index}`).sort());
    expect(maxInFlight).toBeLessThanOrEqual(3);
    expect(maxInFlight).toBeGreaterThan(1);
    expect(await q.waiting()).toBe(0);
  });

  it('drop removes the waiting jobs of one run only', async () => {
    const q = await make(2);
    await q.enqueue([
      ...Array.from({ length: 10 }, (_, index) => ({ runId: 'run_b', index })),
      ...Array.from({ length: 5 }, (_, index) => ({ runId: 'run_c', index })),
    ]);
    expect(await q.waiting()).toBe(15);
    expect(await q.drop('run_b')).toBe(10);
    expect(await q.waiting()).toBe(5);
    const seen: ItemJob[] = [];
    q.start(async (job) => {
      seen.push(job);
    });
    await waitFor(() => seen.length >= 5, { timeoutMs: 15_000, message: 'run_c handled' });
    expect(seen.every((job) => job.runId === 'run_c')).toBe(true);
  });

  it('a throwing handler does not stop the workers, and close waits for running handlers', async () => {
    const q = await make(1);
    const done: number[] = [];
    q.start(async (job) => {
      if (job.index === 0) throw new Error('boom');
      await new Promise((resolve) => setTimeout(resolve, 30));
      done.push(job.index);
    });
    await q.enqueue([0, 1, 2].map((index) => ({ runId: 'run_a', index })));
    await waitFor(() => done.length >= 1, { timeoutMs: 15_000, message: 'a job after the throw' });
    await q.close();
    const closedWith = done.length;
    expect(closedWith).toBeGreaterThanOrEqual(1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(done.length).toBe(closedWith);
    queue = undefined;
  });
});
