import fc from 'fast-check';

/**
 * Generators of hostile input shared by the bad-input properties. Each one aims at a known way to
 * break a JSON/HTTP service: characters a database refuses (NUL), strings JSON can carry but UTF-8
 * cannot (lone surrogates), numbers beyond every column type, nesting deeper than a recursive walk
 * survives, and sizes beyond the body limits.
 */

/** Single code units that are valid in a JS string but troublesome downstream. */
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));
const controlChar = fc.integer({ min: 0, max: 0x1f }).map((code) => String.fromCharCode(code));

/** Hand-picked strings each known to have broken some system somewhere. */
export const NOTORIOUS_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfff',
  '\ud83d',
  '\u202e\u0644\u0627',
  '\r\n',
  '\ufeff',
  '🙂🙂',
  '%00',
  '%zz',
  '../../etc/passwd',
  "'; drop table users; --",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal Log4Shell probe, not a template.
  '${jndi:ldap://x}',
  '__proto__',
  'constructor',
  'null',
  'NaN',
  'Infinity',
  '-1',
  '1e308',
  '0x10',
  '12.1234567',
  '-0',
] as const;

/** Strings over every kind of code unit, biased towards the nasty ones. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NOTORIOUS_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  {
    weight: 2,
    arbitrary: fc.string({
      unit: fc.oneof(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }), loneSurrogate, controlChar),
      maxLength: 24,
    }),
  },
  { weight: 1, arbitrary: fc.integer({ min: 257, max: 20_000 }).map((n) => 'x'.repeat(n)) },
);

/** Numbers no field accepts, or only barely: huge, negative, fractional, unsafe. */
export const absurdNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(
    1e308,
    -1e308,
    -1,
    -0,
    0.5,
    2 ** 53,
    2 ** 63,
    -(2 ** 31) - 1,
    2 ** 31,
    1e-300,
    1_000_000_001,
  ),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

/** An array or object nested `depth` levels deep, as JSON text (built as text: too deep for JSON.stringify). */
export const deepJsonText: fc.Arbitrary<string> = fc
  .record({ depth: fc.integer({ min: 50, max: 120_000 }), kind: fc.constantFrom('array', 'object') })
  .map(({ depth, kind }) =>
    kind === 'array'
      ? `${'['.repeat(depth)}${']'.repeat(depth)}`
      : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
  );

/** Any JSON value, with hostile leaves mixed in. */
export const hostileJsonValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 2, arbitrary: nastyString },
  { weight: 2, arbitrary: absurdNumber },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}, [null], { '': '' }) },
  {
    weight: 1,
    arbitrary: fc.dictionary(nastyString, fc.oneof(nastyString, absurdNumber), { maxKeys: 4 }),
  },
);

/**
 * JSON text for a value, where leaves may also be number literals JSON.stringify cannot produce
 * (`1e999` parses to Infinity, `-0`, 400-digit integers).
 */
export const rawNumberLiteral = fc.constantFrom(
  '1e999',
  '-1e999',
  '-0',
  '1'.repeat(400),
  '0.0000001e-400',
  '1E+2',
);

/** Text that is usually not JSON: random characters, or a JSON document cut or corrupted. */
export const malformedJsonText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.constantFrom(
    '{',
    '}',
    '[',
    '{"a":}',
    '{"a":1,}',
    "{'a':1}",
    '{"a":01}',
    'undefined',
    'NaN',
    '\u0000',
    '{"a":"\u0000"}',
  ),
  fc
    .tuple(fc.json({ maxDepth: 3 }), fc.nat(), fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }))
    .map(([json, at, junk]) => {
      const cut = json.length === 0 ? 0 : at % json.length;
      return `${json.slice(0, cut)}${junk}${json.slice(cut)}`;
    }),
);

/** True when `text` is JSON (the properties use this as their oracle, never the server's parser). */
export function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Content types a JSON endpoint must refuse (none of them says json). */
export const nonJsonContentType: fc.Arbitrary<string | undefined> = fc.oneof(
  fc.constantFrom(
    undefined,
    'text/plain',
    'text/plain;charset=UTF-8',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=xyz',
    'application/xml',
    'application/octet-stream',
    'text/html',
    '*/*',
  ),
  fc
    .string({ unit: 'binary-ascii', minLength: 1, maxLength: 40 })
    .filter((s) => /^[\x21-\x7e][\x20-\x7e]*$/.test(s) && !/json/i.test(s)),
);
