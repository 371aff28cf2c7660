import { moneyToMicros } from '@relay/schemas';
import { AdminError } from '../errors.ts';

/**
 * A validated decimal amount → micro-USD. Amounts beyond ±9 billion USD (the safe-integer range of
 * micro-USD) are refused as invalid input rather than failing later.
 */
export function toMicros(value: string, field: string): bigint {
  try {
    return BigInt(moneyToMicros(value));
  } catch {
    throw new AdminError('VALIDATION_FAILED', `invalid request: ${field}: amount out of range`, [
      { path: field, message: 'amount out of range' },
    ]);
  }
}

export function toMicrosOrNull(value: string | null, field: string): bigint | null {
  return value === null ? null : toMicros(value, field);
}
