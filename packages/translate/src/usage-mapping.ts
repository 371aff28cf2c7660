import { asNumber, isObject, type JsonObject } from './json.ts';

const tokens = (value: unknown): number => {
  const n = asNumber(value);
  return n === undefined || n < 0 ? 0 : Math.floor(n);
};

/**
 * Anthropic usage → OpenAI chat usage. OpenAI's prompt includes cached tokens; Anthropic's
 * `input_tokens` excludes both cache reads and cache writes, so both are added back, and reads are
 * reported as `prompt_tokens_details.cached_tokens`. (OpenAI has no field for cache writes; the gateway
 * meters them from the upstream's own usage, before translation.)
 */
export function chatUsageOf(usage: unknown): JsonObject {
  const u = isObject(usage) ? usage : {};
  const cacheRead = tokens(u.cache_read_input_tokens);
  const prompt = tokens(u.input_tokens) + cacheRead + tokens(u.cache_creation_input_tokens);
  const completion = tokens(u.output_tokens);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cacheRead },
  };
}

/** OpenAI chat usage → Anthropic usage: cached prompt tokens become cache reads. */
export function messagesUsageOf(usage: unknown): JsonObject {
  const u = isObject(usage) ? usage : {};
  const details = isObject(u.prompt_tokens_details) ? u.prompt_tokens_details : {};
  const prompt = tokens(u.prompt_tokens);
  const cached = Math.min(prompt, tokens(details.cached_tokens));
  return {
    input_tokens: prompt - cached,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: cached,
    output_tokens: tokens(u.completion_tokens),
  };
}

/** OpenAI chat usage → Responses API usage. */
export function responsesUsageOf(usage: unknown): JsonObject {
  const u = isObject(usage) ? usage : {};
  const prompt = isObject(u.prompt_tokens_details) ? u.prompt_tokens_details : {};
  const completion = isObject(u.completion_tokens_details) ? u.completion_tokens_details : {};
  const input = tokens(u.prompt_tokens);
  const output = tokens(u.completion_tokens);
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: tokens(prompt.cached_tokens) },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: tokens(completion.reasoning_tokens) },
    total_tokens: input + output,
  };
}
