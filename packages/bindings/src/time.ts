import type { Instant, IsoTime } from './snapshot.ts';

/** Milliseconds since the epoch; throws on an unparsable time (a programming error upstream). */
export function toMillis(value: Instant): number {
  const ms = typeof value === 'string' ? Date.parse(value) : value.getTime();
  if (Number.isNaN(ms)) throw new TypeError(`invalid time: ${JSON.stringify(String(value))}`);
  return ms;
}

/** True when `at` is set and `now` is at or after it. */
export function isReached(at: IsoTime | null | undefined, now: number): boolean {
  return at != null && toMillis(at) <= now;
}

export function isoAt(ms: number): IsoTime {
  return new Date(ms).toISOString();
}
