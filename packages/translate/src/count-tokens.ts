import { asArray, isObject } from './json.ts';

/**
 * The documented estimator for `/v1/messages/count_tokens` when the upstream has no such endpoint:
 * one token per 4 bytes of UTF-8 text (system, messages, tool definitions), rounded up, at least 1.
 * Images count as nothing; the figure is an estimate, marked as such by the gateway.
 */
export function estimateInputTokens(body: Record<string, unknown>): number {
  let bytes = textBytes(body.system, 0);
  bytes += textBytes(body.messages, 0);
  for (const tool of asArray(body.tools)) bytes += Buffer.byteLength(JSON.stringify(tool));
  return Math.max(1, Math.ceil(bytes / 4));
}

const MAX_DEPTH = 8;

function textBytes(value: unknown, depth: number): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return 0;
  if (Array.isArray(value)) return value.reduce<number>((sum, item) => sum + textBytes(item, depth + 1), 0);
  if (!isObject(value)) return 0;
  let bytes = 0;
  for (const key of ['text', 'content', 'thinking'] as const) bytes += textBytes(value[key], depth + 1);
  if (value.input !== undefined) bytes += Buffer.byteLength(JSON.stringify(value.input));
  return bytes;
}
