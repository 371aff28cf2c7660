/**
 * What the mock answers and how it counts tokens. Deterministic on purpose: a test can compute the
 * usage the gateway should record from the messages it sent, with the same exported functions.
 */

export interface MockAnswer {
  readonly text: string;
  /** The pieces streamed as separate content deltas; they concatenate to `text`. */
  readonly chunks: readonly string[];
  readonly completionTokens: number;
}

export const PONG_ANSWER: MockAnswer = { text: 'pong', chunks: ['po', 'ng'], completionTokens: 1 };

export const DEFAULT_ANSWER: MockAnswer = {
  text: 'Hello from the Relay mock upstream.',
  chunks: ['Hello', ' from', ' the', ' Relay', ' mock', ' upstream.'],
  completionTokens: 8,
};

const PONG_TRIGGER = /reply with pong only/i;
const MAX_DEPTH = 8;

/** `pong` when the text of the last user message contains "reply with pong only" (any case). */
export function chooseAnswer(lastUserText: string): MockAnswer {
  return PONG_TRIGGER.test(lastUserText) ? PONG_ANSWER : DEFAULT_ANSWER;
}

/**
 * Concatenated text of a message content: a string, or an array of parts whose `text` is a string
 * (OpenAI `text`/`input_text` parts, Anthropic `text` blocks); nested `content` is followed.
 */
export function contentText(content: unknown, depth = 0): string {
  if (typeof content === 'string') return content;
  if (depth > MAX_DEPTH || content === null || typeof content !== 'object') return '';
  if (Array.isArray(content)) {
    let out = '';
    for (const part of content) out += contentText(part, depth + 1);
    return out;
  }
  const part = content as { text?: unknown; content?: unknown };
  if (typeof part.text === 'string') return part.text;
  return part.content === undefined ? '' : contentText(part.content, depth + 1);
}

/** Text of the last `role: "user"` item of a chat/messages/responses-input array (or the string itself). */
export function lastUserText(messages: unknown): string {
  if (typeof messages === 'string') return messages;
  if (!Array.isArray(messages)) return '';
  for (let i = messages.length - 1; i >= 0; i--) {
    const m: unknown = messages[i];
    if (m !== null && typeof m === 'object' && (m as { role?: unknown }).role === 'user') {
      return contentText((m as { content?: unknown }).content);
    }
  }
  return '';
}

/**
 * Prompt tokens as the mock reports them: ceil(UTF-8 bytes of all text in `parts` / 4), at least 1.
 * Pass what the request carried, e.g. `[body.messages]`, `[body.system, body.messages]`,
 * `[body.instructions, body.input]`, `[body.input]`. Only text counts, so JSON formatting and other
 * fields (model, stream, …) never change the number.
 */
export function estimatePromptTokens(parts: readonly unknown[]): number {
  let bytes = 0;
  for (const p of parts) bytes += textBytes(p, 0);
  return Math.max(1, Math.ceil(bytes / 4));
}

function textBytes(value: unknown, depth: number): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return 0;
  if (Array.isArray(value)) {
    let n = 0;
    for (const v of value) n += textBytes(v, depth + 1);
    return n;
  }
  const obj = value as { text?: unknown; content?: unknown };
  if (typeof obj.text === 'string') return Buffer.byteLength(obj.text);
  return obj.content === undefined ? 0 : textBytes(obj.content, depth + 1);
}
