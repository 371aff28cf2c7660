/**
 * Prices and charges in integers only: micro-USD (`bigint`), never a float (docs/architecture.md#gateway-resources).
 *
 * - A price is micro-USD per 1 000 000 tokens, per kind of token.
 * - `cachedTokens` (and `cacheWriteTokens`) are PART of `promptTokens`, as in OpenAI's accounting:
 *   they are billed at the cache price instead of the input price, never twice. A count larger than
 *   what is left of the prompt is clamped to it (an upstream cannot make us bill more than the prompt).
 * - Rounding: round half up, once, at the micro-USD — first the list cost from the exact sum of all
 *   token kinds, then the charge from that rounded cost. So `charged = round(cost × multiplier)` holds
 *   for the stored values and anyone can recompute it from a usage_event row.
 * - The group multiplier is in millionths: 1_000_000 = 1.0, 1_500_000 = 1.5.
 */

export const TOKENS_PER_PRICE_UNIT = 1_000_000n;
export const MULTIPLIER_ONE = 1_000_000n;

/** micro-USD per 1M tokens; a `PriceRow` of the store fits as is. */
export interface PriceMicros {
  inputMicros: bigint;
  outputMicros: bigint;
  cacheReadMicros: bigint;
  cacheWriteMicros: bigint;
}

export interface TokenCounts {
  promptTokens: number;
  completionTokens: number;
  /** Prompt tokens served from the provider's cache (included in `promptTokens`). */
  cachedTokens: number;
  /** Prompt tokens written to the provider's cache (Anthropic `cache_creation_input_tokens`; included in `promptTokens`). */
  cacheWriteTokens?: number | undefined;
}

export interface Charge {
  /** List cost: tokens × price, rounded half up to the micro-USD. */
  costMicros: bigint;
  /** What the tenant pays: cost × group multiplier, rounded half up to the micro-USD. */
  chargedMicros: bigint;
  /** False when the model has no price: the request is allowed and costs 0 (docs/architecture.md#gateway-resources). */
  priced: boolean;
}

const UNPRICED: Charge = Object.freeze({ costMicros: 0n, chargedMicros: 0n, priced: false });

export function computeCharge(
  tokens: TokenCounts,
  price: PriceMicros | null | undefined,
  rateMultiplierMicros: bigint,
): Charge {
  if (!price) return UNPRICED;
  const prompt = tokenCount(tokens.promptTokens);
  const cached = min(tokenCount(tokens.cachedTokens), prompt);
  const cacheWrite = min(tokenCount(tokens.cacheWriteTokens ?? 0), prompt - cached);
  const input = prompt - cached - cacheWrite;
  const completion = tokenCount(tokens.completionTokens);

  const exact =
    input * price.inputMicros +
    cached * price.cacheReadMicros +
    cacheWrite * price.cacheWriteMicros +
    completion * price.outputMicros;
  const costMicros = divRoundHalfUp(exact, TOKENS_PER_PRICE_UNIT);
  const chargedMicros = divRoundHalfUp(costMicros * rateMultiplierMicros, MULTIPLIER_ONE);
  return { costMicros, chargedMicros, priced: true };
}

/**
 * `numerator / denominator` rounded half up (towards +∞ on an exact half), for a positive denominator.
 * bigint division truncates towards zero, so negative numerators take the floor explicitly.
 */
export function divRoundHalfUp(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) throw new RangeError('divRoundHalfUp: denominator must be positive');
  const doubled = numerator * 2n + denominator;
  const divisor = denominator * 2n;
  const quotient = doubled / divisor;
  return doubled < 0n && quotient * divisor !== doubled ? quotient - 1n : quotient;
}

/** Token counts come from upstream JSON: anything but a finite non-negative number counts as 0. */
function tokenCount(value: number): bigint {
  return Number.isFinite(value) && value > 0 ? BigInt(Math.floor(value)) : 0n;
}

const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);
