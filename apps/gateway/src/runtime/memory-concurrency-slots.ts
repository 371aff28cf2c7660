import { type Clock, systemClock } from './clock.ts';
import {
  type ConcurrencySlots,
  type SlotAcquisition,
  type SlotBatchAcquisition,
  type SlotRelease,
  type SlotRequest,
  validateSlotRequest,
} from './concurrency-slots.ts';
import { assertDistinctKeys } from './distinct-keys.ts';
import { ExpiringMap } from './expiring-map.ts';

type Lease = { holder: string; expiresAt: number };

/**
 * Holders of one key plus a min-heap of their lease deadlines, so expired leases are found in
 * O(log n) without scanning. Released or renewed leases leave stale heap entries that are skipped
 * when they surface; the heap is rebuilt when stale entries outnumber live ones (amortised O(1)).
 */
class KeySlots {
  readonly holders = new Map<string, number>();
  private heap: Lease[] = [];
  /** Latest lease deadline: the whole key can be forgotten after it. */
  expiresAt = 0;

  prune(now: number): void {
    const heap = this.heap;
    while (heap.length > 0 && (heap[0] as Lease).expiresAt <= now) {
      const top = this.pop();
      if (this.holders.get(top.holder) === top.expiresAt) this.holders.delete(top.holder);
    }
  }

  grant(holder: string, expiresAt: number): void {
    this.holders.set(holder, expiresAt);
    if (expiresAt > this.expiresAt) this.expiresAt = expiresAt;
    if (this.heap.length > 2 * this.holders.size + 16) this.rebuild();
    else this.push({ holder, expiresAt });
  }

  private rebuild(): void {
    this.heap = [];
    for (const [holder, expiresAt] of this.holders) this.push({ holder, expiresAt });
  }

  private push(lease: Lease): void {
    const heap = this.heap;
    heap.push(lease);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as Lease;
      if (p.expiresAt <= lease.expiresAt) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = lease;
  }

  private pop(): Lease {
    const heap = this.heap;
    const top = heap[0] as Lease;
    const last = heap.pop() as Lease;
    if (heap.length > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= heap.length) break;
        const right = left + 1;
        const child =
          right < heap.length && (heap[right] as Lease).expiresAt < (heap[left] as Lease).expiresAt
            ? right
            : left;
        if ((heap[child] as Lease).expiresAt >= last.expiresAt) break;
        heap[i] = heap[child] as Lease;
        i = child;
      }
      heap[i] = last;
    }
    return top;
  }
}

/** In-process slots for embedded mode. */
export class MemoryConcurrencySlots implements ConcurrencySlots {
  private readonly keys: ExpiringMap<KeySlots>;

  constructor(private readonly clock: Clock = systemClock) {
    this.keys = new ExpiringMap(clock);
  }

  async acquire(request: SlotRequest): Promise<SlotAcquisition> {
    const batch = await this.acquireMany([request]);
    return { acquired: batch.acquired, inUse: batch.inUse[0] ?? 0 };
  }

  async acquireMany(requests: readonly SlotRequest[]): Promise<SlotBatchAcquisition> {
    return this.acquireManyNow(requests);
  }

  /** `acquireMany` without a promise: admission composes it with other state in one synchronous step. */
  acquireManyNow(requests: readonly SlotRequest[]): SlotBatchAcquisition {
    for (const request of requests) validateSlotRequest(request);
    assertDistinctKeys(requests, 'acquireMany');
    const now = this.clock.now();
    const slots: (KeySlots | undefined)[] = [];
    const inUse: number[] = [];
    let rejectedIndex = -1;
    for (let i = 0; i < requests.length; i++) {
      const { key, limit, holder } = requests[i] as SlotRequest;
      if (limit === 0) {
        slots.push(undefined);
        inUse.push(0);
        continue;
      }
      const keySlots = this.keys.get(key, now);
      keySlots?.prune(now);
      const count = keySlots?.holders.size ?? 0;
      slots.push(keySlots);
      inUse.push(count);
      if (rejectedIndex < 0 && count >= limit && keySlots?.holders.has(holder) !== true) rejectedIndex = i;
    }
    if (rejectedIndex >= 0) return { acquired: false, rejectedIndex, inUse };
    for (let i = 0; i < requests.length; i++) {
      const { key, limit, holder, ttlMs } = requests[i] as SlotRequest;
      if (limit === 0) continue;
      let keySlots = slots[i];
      if (keySlots === undefined) {
        keySlots = new KeySlots();
        keySlots.grant(holder, now + ttlMs);
        this.keys.set(key, keySlots, now);
      } else {
        keySlots.grant(holder, now + ttlMs);
        this.keys.touch(now);
      }
      inUse[i] = keySlots.holders.size;
    }
    return { acquired: true, inUse };
  }

  async release(key: string, holder: string): Promise<void> {
    this.releaseNow(key, holder);
  }

  releaseNow(key: string, holder: string): void {
    const keySlots = this.keys.get(key);
    if (keySlots === undefined) return;
    keySlots.holders.delete(holder);
    // An empty key is dropped with its heap, so released leases never accumulate.
    if (keySlots.holders.size === 0) this.keys.delete(key);
  }

  async releaseMany(releases: readonly SlotRelease[]): Promise<void> {
    for (const { key, holder } of releases) this.releaseNow(key, holder);
  }

  /** Moves a live lease's deadline to `expiresAt`; false when the holder holds no live slot here. */
  renewNow(key: string, holder: string, expiresAt: number): boolean {
    const now = this.clock.now();
    const keySlots = this.keys.get(key, now);
    if (keySlots === undefined) return false;
    keySlots.prune(now);
    if (!keySlots.holders.has(holder)) return false;
    keySlots.grant(holder, expiresAt);
    this.keys.touch(now);
    return true;
  }

  async inUse(key: string): Promise<number> {
    const now = this.clock.now();
    const keySlots = this.keys.get(key, now);
    if (keySlots === undefined) return 0;
    keySlots.prune(now);
    return keySlots.holders.size;
  }
}
