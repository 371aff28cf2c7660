import { describe, expect, it } from 'vitest';
import { computeCharge, divRoundHalfUp, type PriceMicros } from '../../src/usage/index.ts';

const price = (input: bigint, output: bigint, cacheRead = 0n, cacheWrite = 0n): PriceMicros => ({
  inputMicros: input,
  outputMicros: output,
  cacheReadMicros: cacheRead,
  cacheWriteMicros: cacheWrite,
});
const ONE = 1_000_000n;

describe('computeCharge', () => {
  it('prices prompt and completion tokens per million, at multiplier 1.0', () => {
    // $3/M input, $15/M output: 1M + 1M tokens cost exactly $18.
    expect(
      computeCharge(
        { promptTokens: 1_000_000, completionTokens: 1_000_000, cachedTokens: 0 },
        price(3n * ONE, 15n * ONE),
        ONE,
      ),
    ).toEqual({ costMicros: 18_000_000n, chargedMicros: 18_000_000n, priced: true });
  });

  it('bills cached tokens at the cache-read price instead of the input price (they are part of the prompt)', () => {
    // 1000 prompt of which 400 cached: 600 × $2/M + 400 × $0.5/M + 500 × $8/M = 1200 + 200 + 4000 µUSD.
    const charge = computeCharge(
      { promptTokens: 1000, completionTokens: 500, cachedTokens: 400 },
      price(2n * ONE, 8n * ONE, 500_000n),
      ONE,
    );
    expect(charge).toEqual({ costMicros: 5_400n, chargedMicros: 5_400n, priced: true });
  });

  it('bills cache writes at the cache-write price, and never more cached tokens than the prompt holds', () => {
    const p = price(2n * ONE, 0n, 500_000n, 2_500_000n);
    // 1000 prompt = 100 cached + 300 written to cache + 600 plain: 50 + 750 + 1200.
    expect(
      computeCharge(
        { promptTokens: 1000, completionTokens: 0, cachedTokens: 100, cacheWriteTokens: 300 },
        p,
        ONE,
      ).costMicros,
    ).toBe(2_000n);
    // A report of more cached tokens than prompt tokens is clamped to the prompt.
    expect(
      computeCharge({ promptTokens: 1000, completionTokens: 0, cachedTokens: 5000 }, p, ONE).costMicros,
    ).toBe(500n);
  });

  it('applies a 1.5 multiplier to the list cost', () => {
    const charge = computeCharge(
      { promptTokens: 1000, completionTokens: 500, cachedTokens: 400 },
      price(2n * ONE, 8n * ONE, 500_000n),
      1_500_000n,
    );
    expect(charge).toEqual({ costMicros: 5_400n, chargedMicros: 8_100n, priced: true });
  });

  it('records an unpriced model at cost 0, flagged unpriced', () => {
    expect(
      computeCharge({ promptTokens: 10_000, completionTokens: 10_000, cachedTokens: 0 }, null, 1_500_000n),
    ).toEqual({
      costMicros: 0n,
      chargedMicros: 0n,
      priced: false,
    });
  });

  it('rounds half up at the micro-USD, for the cost and then for the charge', () => {
    const oneDollar = price(ONE, ONE); // 1 µUSD per token
    // 1 token at $0.50/M = 0.5 µUSD → 1; at $0.49/M = 0.49 → 0.
    expect(
      computeCharge({ promptTokens: 1, completionTokens: 0, cachedTokens: 0 }, price(500_000n, 0n), ONE)
        .costMicros,
    ).toBe(1n);
    expect(
      computeCharge({ promptTokens: 1, completionTokens: 0, cachedTokens: 0 }, price(490_000n, 0n), ONE)
        .costMicros,
    ).toBe(0n);
    // Rounded once on the sum: 3 tokens at 0.4 µUSD each = 1.2 → 1 (not 0 + 0 + 0).
    expect(
      computeCharge({ promptTokens: 3, completionTokens: 0, cachedTokens: 0 }, price(400_000n, 0n), ONE)
        .costMicros,
    ).toBe(1n);
    // Charge: 3 µUSD × 1.5 = 4.5 → 5; 3 µUSD × 1.166666 = 3.499998 → 3.
    const three = { promptTokens: 3, completionTokens: 0, cachedTokens: 0 };
    expect(computeCharge(three, oneDollar, 1_500_000n)).toMatchObject({ costMicros: 3n, chargedMicros: 5n });
    expect(computeCharge(three, oneDollar, 1_166_666n)).toMatchObject({ chargedMicros: 3n });
    // A zero multiplier (a free group) charges nothing but keeps the list cost.
    expect(computeCharge(three, oneDollar, 0n)).toEqual({ costMicros: 3n, chargedMicros: 0n, priced: true });
  });

  it('stays exact with numbers far beyond 2^53', () => {
    const huge = price(10n ** 18n, 7n * 10n ** 18n, 10n ** 17n);
    const tokens = {
      promptTokens: 2_147_483_647,
      completionTokens: 2_147_483_647,
      cachedTokens: 1_000_000_000,
    };
    const exact =
      (1_147_483_647n * 10n ** 18n + 1_000_000_000n * 10n ** 17n + 2_147_483_647n * 7n * 10n ** 18n) / ONE;
    const charge = computeCharge(tokens, huge, 2_500_000n);
    expect(charge.costMicros).toBe(exact);
    expect(charge.chargedMicros).toBe((exact * 5n) / 2n);
    expect(charge.costMicros > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
  });

  it('treats missing or nonsense token counts as zero instead of throwing', () => {
    const p = price(ONE, ONE);
    expect(
      computeCharge({ promptTokens: Number.NaN, completionTokens: -5, cachedTokens: Infinity }, p, ONE),
    ).toEqual({
      costMicros: 0n,
      chargedMicros: 0n,
      priced: true,
    });
    expect(
      computeCharge({ promptTokens: 2.9, completionTokens: 0, cachedTokens: 0 }, p, ONE).costMicros,
    ).toBe(2n);
  });
});

describe('divRoundHalfUp', () => {
  it('rounds exact halves up and everything else to the nearest', () => {
    expect([5n, 14n, 15n, 16n, 25n].map((n) => divRoundHalfUp(n, 10n))).toEqual([1n, 1n, 2n, 2n, 3n]);
    expect([-5n, -14n, -15n, -16n].map((n) => divRoundHalfUp(n, 10n))).toEqual([0n, -1n, -1n, -2n]);
    expect(divRoundHalfUp(0n, 7n)).toBe(0n);
    expect(() => divRoundHalfUp(1n, 0n)).toThrow(RangeError);
  });
});
