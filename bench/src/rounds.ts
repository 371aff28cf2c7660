import { percentile } from './percentiles.ts';

/** The median of a list (the middle value; the lower middle for an even count), NaN when empty. */
export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/**
 * A figure taken round by round: `of(round)` for rounds 1..count, and the median of those values.
 * The benchmark interleaves its targets within each round, so a ratio of two targets computed in one
 * round compares measurements taken seconds apart; the median over rounds keeps one slow patch of
 * the machine from deciding the result.
 */
export function byRound(count: number, of: (round: number) => number): { rounds: number[]; median: number } {
  const rounds = Array.from({ length: count }, (_, index) => of(index + 1));
  return { rounds, median: median(rounds.filter((value) => Number.isFinite(value))) };
}
