/** What a mock route answers, before the sender applies latency and faults to it. */

export interface JsonReply {
  readonly kind: 'json';
  readonly status: number;
  readonly body: string | Buffer;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A server-sent-event stream; each entry is one complete event text ending with a blank line. */
export interface SseReply {
  readonly kind: 'sse';
  readonly events: readonly string[];
}

export type MockReply = JsonReply | SseReply;

export type Flavour = 'openai' | 'anthropic';

export function jsonReply(
  status: number,
  body: string | Buffer,
  headers?: Record<string, string>,
): JsonReply {
  return headers === undefined ? { kind: 'json', status, body } : { kind: 'json', status, body, headers };
}

/** `data: <json>\n\n` (OpenAI chat streams). */
export function dataEvent(json: string): string {
  return `data: ${json}\n\n`;
}

/** `event: <name>\ndata: <json>\n\n` (Anthropic and Responses API streams). */
export function namedEvent(name: string, json: string): string {
  return `event: ${name}\ndata: ${json}\n\n`;
}
