/** Token counts of one request as the upstream reported them, or as estimated when it did not. */
export type TokenUsage = {
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  /** Tokens written to the provider's prompt cache (Anthropic), billed at the cache-write price. */
  cacheWriteTokens: number;
  /** True when any figure came from the estimator instead of the upstream. */
  estimated: boolean;
};

/**
 * The documented estimator, used only when an upstream reports no usage: one token per 4 characters
 * of text (the rule of thumb OpenAI documents for English), rounded up, at least 1 for non-empty text.
 */
export function estimateTokens(characters: number): number {
  return characters <= 0 ? 0 : Math.max(1, Math.ceil(characters / 4));
}

type UsageFields = {
  prompt_tokens?: unknown;
  completion_tokens?: unknown;
  input_tokens?: unknown;
  output_tokens?: unknown;
  cache_read_input_tokens?: unknown;
  cache_creation_input_tokens?: unknown;
  prompt_tokens_details?: { cached_tokens?: unknown } | null;
  input_tokens_details?: { cached_tokens?: unknown } | null;
};

const count = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : undefined;

/** Accumulates usage from any of the three wire formats (chat, responses, anthropic messages). */
export class UsageAccumulator {
  promptTokens: number | undefined;
  completionTokens: number | undefined;
  cachedTokens = 0;
  cacheWriteTokens = 0;

  /**
   * Merges a `usage` object; later reports win per field (Anthropic sends input first, output last).
   * Figures are normalised to OpenAI's accounting, where the prompt includes cached tokens: Anthropic's
   * `input_tokens` excludes cache reads and cache writes, so they are added back.
   */
  add(usage: UsageFields | null | undefined): void {
    if (usage === null || usage === undefined || typeof usage !== 'object') return;
    const cacheRead = count(usage.cache_read_input_tokens);
    const cacheWrite = count(usage.cache_creation_input_tokens);
    const anthropic = cacheRead !== undefined || cacheWrite !== undefined;
    let prompt = count(usage.prompt_tokens) ?? count(usage.input_tokens);
    if (anthropic && prompt !== undefined) prompt += (cacheRead ?? 0) + (cacheWrite ?? 0);
    const completion = count(usage.completion_tokens) ?? count(usage.output_tokens);
    const cached =
      count(usage.prompt_tokens_details?.cached_tokens) ??
      count(usage.input_tokens_details?.cached_tokens) ??
      cacheRead;
    if (prompt !== undefined) this.promptTokens = prompt;
    if (completion !== undefined) this.completionTokens = completion;
    if (cached !== undefined) this.cachedTokens = cached;
    if (cacheWrite !== undefined) this.cacheWriteTokens = cacheWrite;
  }

  /** Final figures; missing ones come from the estimator over the request and the delivered text. */
  finish(estimate: { promptCharacters: number; completionCharacters: number }): TokenUsage {
    const estimated = this.promptTokens === undefined || this.completionTokens === undefined;
    return {
      promptTokens: this.promptTokens ?? estimateTokens(estimate.promptCharacters),
      completionTokens: this.completionTokens ?? estimateTokens(estimate.completionCharacters),
      cachedTokens: this.cachedTokens,
      cacheWriteTokens: this.cacheWriteTokens,
      estimated,
    };
  }
}
