import type { Clock } from '../../../src/runtime/index.ts';

/** A clock that only moves when told to: both implementations see exactly the same times. */
export class ManualClock implements Clock {
  constructor(private t = 1_700_000_000_000) {}

  now(): number {
    return this.t;
  }

  advance(ms: number): void {
    this.t += ms;
  }
}
