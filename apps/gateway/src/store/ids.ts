import { randomBytes } from 'node:crypto';

/** Prefixes of every id the gateway issues (docs/architecture.md#gateway-resources). */
export const ID_PREFIX = {
  user: 'usr',
  group: 'grp',
  account: 'acc',
  accountGroup: 'agb',
  apiKey: 'key',
  channel: 'chn',
  channelGroup: 'cgb',
  price: 'prc',
  subscription: 'sub',
  usageEvent: 'evt',
  auditEvent: 'aud',
} as const;
export type IdPrefix = (typeof ID_PREFIX)[keyof typeof ID_PREFIX];

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower case
const TIME_CHARS = 10; // 50 bits: milliseconds until the year 10889
const RANDOM_CHARS = 16; // 80 bits

let lastTime = -1;
let lastRandom: number[] = [];

/**
 * `<prefix>_<time><random>`: 10 base32 chars of milliseconds then 80 random bits, so ids sort by
 * creation time (cursor pagination orders by id). Within one millisecond the random part is
 * incremented, keeping ids issued by this process strictly increasing.
 */
export function newId(prefix: IdPrefix | string, now: number = Date.now()): string {
  let random: number[];
  if (now <= lastTime && lastRandom.length === RANDOM_CHARS) {
    random = increment(lastRandom);
    now = lastTime;
  } else {
    const bytes = randomBytes(RANDOM_CHARS);
    random = Array.from(bytes, (b) => b & 31);
  }
  lastTime = now;
  lastRandom = random;
  return `${prefix}_${encodeTime(now)}${random.map((d) => ALPHABET[d]).join('')}`;
}

function encodeTime(ms: number): string {
  let out = '';
  let rest = ms;
  for (let i = 0; i < TIME_CHARS; i++) {
    out = ALPHABET[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

function increment(digits: number[]): number[] {
  const next = [...digits];
  for (let i = next.length - 1; i >= 0; i--) {
    const d = next[i] ?? 0;
    if (d < 31) {
      next[i] = d + 1;
      return next;
    }
    next[i] = 0;
  }
  // 80 bits exhausted within one millisecond: start over with fresh randomness.
  return Array.from(randomBytes(RANDOM_CHARS), (b) => b & 31);
}
