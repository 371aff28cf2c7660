/**
 * Prefixed ids that sort by creation time, shared by the gateway and the manager:
 * `<prefix>_` + 10 Crockford base32 chars of milliseconds + 16 random chars (80 bits). Within one
 * millisecond the random part is incremented (as monotonic ULIDs do), so ids made by one process sort
 * exactly in creation order, which cursor pagination and audit trails rely on. Uses Web Crypto, so it
 * runs in Node and in browsers alike.
 */

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const TIME_CHARS = 10;
const RANDOM_CHARS = 16;

let lastTime = -1;
let lastRandom: number[] = [];

export function newSortableId(prefix: string, now: number = Date.now()): string {
  let random: number[];
  if (now <= lastTime && lastRandom.length === RANDOM_CHARS) {
    random = increment(lastRandom);
    now = lastTime;
  } else {
    random = freshRandom();
  }
  lastTime = now;
  lastRandom = random;
  return `${prefix}_${encodeTime(now)}${random.map((d) => ALPHABET[d]).join('')}`;
}

function freshRandom(): number[] {
  return Array.from(globalThis.crypto.getRandomValues(new Uint8Array(RANDOM_CHARS)), (b) => b & 31);
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
  return freshRandom();
}
