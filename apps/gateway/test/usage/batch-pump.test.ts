import { afterEach, describe, expect, it } from 'vitest';
import { BatchPump } from '../../src/usage/batch-pump.ts';

const RETRY = { initialDelayMs: 10, maxDelayMs: 100 };
const pumps: BatchPump<number>[] = [];
afterEach(async () => {
  for (const pump of pumps.splice(0)) await pump.stop(1_000);
});

/** A pump whose sink takes `sendMs` per batch and records each batch with when its items were pushed. */
function pumpWith(options: { lingerMs: number; maxBatchSize: number; sendMs: number }) {
  const pushedAt = new Map<number, number>();
  const batches: { size: number; oldestWaitMs: number }[] = [];
  const pump = new BatchPump<number>({
    maxBatchSize: options.maxBatchSize,
    lingerMs: options.lingerMs,
    retry: RETRY,
    sink: async (batch) => {
      const now = Date.now();
      batches.push({ size: batch.length, oldestWaitMs: now - (pushedAt.get(batch[0] as number) ?? now) });
      await new Promise((resolve) => setTimeout(resolve, options.sendMs));
    },
  });
  pumps.push(pump);
  let next = 0;
  const push = () => {
    const item = next++;
    pushedAt.set(item, Date.now());
    pump.push(item);
  };
  return { pump, batches, push };
}

/** Pushes one item every `everyMs` for `forMs` (a steady trickle of requests). */
async function trickle(push: () => void, everyMs: number, forMs: number): Promise<number> {
  let pushed = 0;
  const end = Date.now() + forMs;
  while (Date.now() < end) {
    push();
    pushed++;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return pushed;
}

describe('BatchPump', () => {
  it('ships a steady trickle once per linger interval, not one small batch per send', async () => {
    const { pump, batches, push } = pumpWith({ lingerMs: 100, maxBatchSize: 10_000, sendMs: 5 });
    const pushed = await trickle(push, 1, 1_000);
    await pump.flush();
    expect(batches.reduce((sum, b) => sum + b.size, 0)).toBe(pushed);
    // ~1 000 ms / 100 ms of linger: about ten batches (shipping whatever arrived during each 5 ms send
    // made ~150 batches of a few items each).
    expect(batches.length).toBeLessThanOrEqual(15);
    // No item waited much longer than the linger interval for its batch to leave (the margin is for a
    // loaded machine's late timers; waiting for a full batch instead would be ~1 000 ms).
    for (const batch of batches.slice(0, -1)) expect(batch.oldestWaitMs).toBeLessThan(100 + 400);
  });

  it('ships a full batch at once, without waiting for the linger interval', async () => {
    const { batches, push } = pumpWith({ lingerMs: 60_000, maxBatchSize: 5, sendMs: 1 });
    for (let i = 0; i < 12; i++) push();
    const deadline = Date.now() + 5_000;
    while (batches.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(batches.map((b) => b.size)).toEqual([5, 5]);
  });

  it('flush ships a partial batch at once, also one that arrived during a send', async () => {
    const { pump, batches, push } = pumpWith({ lingerMs: 60_000, maxBatchSize: 100, sendMs: 20 });
    push();
    const first = pump.flush();
    push();
    push();
    await first;
    const started = Date.now();
    await pump.flush();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(batches.map((b) => b.size)).toEqual([1, 2]);
  });
});
