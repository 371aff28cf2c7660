import { MONEY_PATTERN } from './common.ts';

/**
 * Conversions between the API's decimal strings and the database's integer micro-USD.
 * Done on strings so no float ever touches an amount.
 */

/** `"12.5"` → `12_500_000`. Throws on a malformed string or beyond Number.MAX_SAFE_INTEGER. */
export function moneyToMicros(money: string): number {
  if (!MONEY_PATTERN.test(money)) throw new Error(`invalid money amount: ${money}`);
  const negative = money.startsWith('-');
  const [whole = '0', frac = ''] = (negative ? money.slice(1) : money).split('.');
  const micros = BigInt(whole) * 1_000_000n + BigInt(frac.padEnd(6, '0'));
  if (micros > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`money amount out of range: ${money}`);
  const n = Number(micros);
  return negative && n !== 0 ? -n : n;
}

/** `12_500_000` → `"12.5"`; integers print without decimals (`"3"`), at most 6 decimals. */
export function microsToMoney(micros: number | bigint): string {
  const big = typeof micros === 'bigint' ? micros : BigInt(micros);
  if (typeof micros === 'number' && !Number.isSafeInteger(micros)) {
    throw new Error(`micro-USD must be a safe integer: ${micros}`);
  }
  const negative = big < 0n;
  const abs = negative ? -big : big;
  const whole = abs / 1_000_000n;
  const frac = (abs % 1_000_000n).toString().padStart(6, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`;
}
