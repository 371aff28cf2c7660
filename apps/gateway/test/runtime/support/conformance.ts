import type { ManualClock } from './manual-clock.ts';

/** One implementation under test, on a fresh isolated store. */
export type Backend<T> = {
  subject: T;
  /** Another handle on the same shared state, as a second gateway process would hold (own connection). */
  peer(): Promise<T>;
  cleanup(): Promise<void>;
};

export type BackendFactory<T> = (clock: ManualClock) => Promise<Backend<T>>;
