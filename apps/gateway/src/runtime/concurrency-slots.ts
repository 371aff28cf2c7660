/**
 * Concurrency slots: at most `limit` holders per key at once, across every gateway process.
 * Each holder (a request id) holds a lease that ends after `ttlMs`, so a crashed process cannot keep
 * a slot forever. Acquiring again with the same holder renews its lease (long streams renew
 * periodically) and never takes a second slot.
 */
export type SlotRequest = {
  /** Logical key, e.g. `conc:user:usr_1`. On Redis Cluster, keys of one batch must share a `{tag}`. */
  key: string;
  /** Slots for this key; 0 = unlimited: nothing is counted, no I/O, and no release is needed. */
  limit: number;
  /** Unique per request (the request id). */
  holder: string;
  /** Lease length: the longest the request may run without renewing. */
  ttlMs: number;
};

export type SlotRelease = { key: string; holder: string };

export type SlotAcquisition = {
  acquired: boolean;
  /** Holders of this key after the call (including this one when acquired; 0 when unlimited). */
  inUse: number;
};

export type SlotBatchAcquisition =
  | { acquired: true; inUse: number[] }
  | {
      acquired: false;
      /** Index of the first request whose key was full. Nothing was taken. */
      rejectedIndex: number;
      inUse: number[];
    };

export interface ConcurrencySlots {
  acquire(request: SlotRequest): Promise<SlotAcquisition>;
  /**
   * All-or-nothing across levels (key, user, account…): either every slot is taken or none is.
   * One round trip on Redis; this is the call the hot path makes.
   */
  acquireMany(requests: readonly SlotRequest[]): Promise<SlotBatchAcquisition>;
  release(key: string, holder: string): Promise<void>;
  /** Releases several slots in one round trip; releasing a slot not held is a no-op. */
  releaseMany(releases: readonly SlotRelease[]): Promise<void>;
  /** Live holders of a key. */
  inUse(key: string): Promise<number>;
}

export function validateSlotRequest(request: SlotRequest): void {
  const { key, limit, holder, ttlMs } = request;
  if (typeof key !== 'string' || key.length === 0)
    throw new RangeError('slot key must be a non-empty string');
  if (!Number.isSafeInteger(limit) || limit < 0)
    throw new RangeError(`slot limit must be an integer >= 0 (${key})`);
  if (typeof holder !== 'string' || holder.length === 0) {
    throw new RangeError(`slot holder must be a non-empty string (${key})`);
  }
  if (!Number.isSafeInteger(ttlMs) || ttlMs < 1)
    throw new RangeError(`slot ttlMs must be an integer >= 1 (${key})`);
}
