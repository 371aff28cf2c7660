import type { UsdDecimal } from './snapshot.ts';

const USD_PATTERN = /^(-?)(\d+)(?:\.(\d{1,6}))?$/;

/**
 * Parses a decimal USD string into integer micro-USD so amounts compare exactly (no floats).
 * Throws on anything that is not a decimal with at most 6 decimals: the snapshot is validated
 * upstream, so a bad amount here is a programming error, not a broken link.
 */
export function usdToMicros(value: UsdDecimal): bigint {
  const match = USD_PATTERN.exec(value.trim());
  if (!match) throw new TypeError(`invalid USD amount: ${JSON.stringify(value)}`);
  const [, sign = '', whole = '0', fraction = ''] = match;
  const micros = BigInt(whole) * 1_000_000n + BigInt(fraction.padEnd(6, '0'));
  return sign === '-' ? -micros : micros;
}

/** True when `value` is zero or negative. */
export function isNonPositiveUsd(value: UsdDecimal): boolean {
  return usdToMicros(value) <= 0n;
}

/** True when `used` has reached `limit` (nothing more may be spent). */
export function usdReached(used: UsdDecimal, limit: UsdDecimal): boolean {
  return usdToMicros(used) >= usdToMicros(limit);
}
