/** Token counts of one request as the upstream reported them, or as estimated when it did not. */
export type TokenUsage = {
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
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

  /** Merges a `usage` object; later reports win per field (Anthropic sends input first, output last). */
  add(usage: UsageFields | null | undefined): void {
    if (usage === null || usage === undefined || typeof usage !== 'object') return;
    const prompt = count(usage.prompt_tokens) ?? count(usage.input_tokens);
    const completion = count(usage.completion_tokens) ?? count(usage.output_tokens);
    const cached =
      count(usage.prompt_tokens_details?.cached_tokens) ??
      count(usage.input_tokens_details?.cached_tokens) ??
      count(usage.cache_read_input_tokens);
    if (prompt !== undefined) this.promptTokens = prompt;
    if (completion !== undefined) this.completionTokens = completion;
    if (cached !== undefined) this.cachedTokens = cached;
  }

  get reported(): boolean {
    return this.promptTokens !== undefined || this.completionTokens !== undefined;
  }

  /** Final figures; missing ones come from the estimator over the request and the delivered text. */
  finish(estimate: { promptCharacters: number; completionCharacters: number }): TokenUsage {
    const estimated = this.promptTokens === undefined || this.completionTokens === undefined;
    return {
      promptTokens: this.promptTokens ?? estimateTokens(estimate.promptCharacters),
      completionTokens: this.completionTokens ?? estimateTokens(estimate.completionCharacters),
      cachedTokens: this.cachedTokens,
      estimated,
    };
  }
}
