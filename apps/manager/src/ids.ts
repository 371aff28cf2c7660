import { randomBytes } from 'node:crypto';

/** Resource id prefixes (docs/architecture.md#the-manager). */
export type IdPrefix = 'hst' | 'prb' | 'bat' | 'res' | 'jrn' | 'pln' | 'rrn' | 'drf' | 'run' | 'aud' | 'req';

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

let lastTime = -1;
let lastRandom: number[] = [];

/**
 * A prefixed id that sorts by creation order: `hst_` + 10 chars of milliseconds + 16 random chars, in lower-case
 * Crockford base32. Within one millisecond the random part is incremented (as monotonic ULIDs do), so ids made
 * by this process sort exactly in creation order, which list pagination and the audit trail rely on.
 */
export function newId(prefix: IdPrefix, now: number = Date.now()): string {
  let random: number[];
  if (now <= lastTime) {
    random = increment(lastRandom);
  } else {
    random = [...randomBytes(16)].map((byte) => byte % 32);
    lastTime = now;
  }
  lastRandom = random;
  let time = '';
  let t = lastTime;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  return `${prefix}_${time}${random.map((digit) => CROCKFORD[digit]).join('')}`;
}

function increment(digits: number[]): number[] {
  const next = [...digits];
  for (let i = next.length - 1; i >= 0; i--) {
    const digit = next[i] ?? 0;
    if (digit < 31) {
      next[i] = digit + 1;
      return next;
    }
    next[i] = 0;
  }
  return next;
}
