/** Deepest nesting of arrays and objects a request body may have (a real request needs a handful). */
export const MAX_JSON_DEPTH = 128;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * True when the JSON text nests arrays/objects deeper than `maxDepth`. A scan of the bytes, not a
 * walk of the parsed value, so it cannot overflow the stack itself; it runs before anything recursive
 * (JSON.stringify for the session hash or a rewritten upstream body) sees the value. Strings are
 * skipped with indexOf, so the cost is mostly a memchr over the text.
 */
export function nestedDeeperThan(json: Buffer, maxDepth: number): boolean {
  let depth = 0;
  for (let at = 0; at < json.length; at++) {
    const byte = json[at];
    if (byte === QUOTE) {
      at = closingQuote(json, at + 1);
      if (at === -1) return false;
    } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      depth += 1;
      if (depth > maxDepth) return true;
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      depth -= 1;
    }
  }
  return false;
}

/** Index of the quote that ends a string starting at `from`, or -1 when it never ends. */
function closingQuote(json: Buffer, from: number): number {
  let at = json.indexOf(QUOTE, from);
  while (at !== -1) {
    let backslashes = 0;
    while (json[at - 1 - backslashes] === BACKSLASH) backslashes += 1;
    if (backslashes % 2 === 0) return at;
    at = json.indexOf(QUOTE, at + 1);
  }
  return -1;
}
