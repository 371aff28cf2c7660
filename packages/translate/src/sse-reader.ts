/** One server-sent event: its `event:` name (if any) and its `data:` lines joined. */
export type SseEvent = { event: string | undefined; data: string };

/**
 * Splits a byte stream into SSE events as chunks arrive. Only the unfinished tail of the last event is
 * kept between chunks, never the stream.
 */
export class SseReader {
  private readonly decoder = new TextDecoder();
  private tail = '';

  push(chunk: Uint8Array | string): SseEvent[] {
    const text =
      this.tail + (typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true }));
    const events: SseEvent[] = [];
    let start = 0;
    for (;;) {
      const lf = text.indexOf('\n\n', start);
      const crlf = text.indexOf('\r\n\r\n', start);
      if (lf === -1 && crlf === -1) break;
      const useCrlf = crlf !== -1 && (lf === -1 || crlf < lf);
      const end = useCrlf ? crlf : lf;
      const event = parseEvent(text.slice(start, end));
      if (event !== undefined) events.push(event);
      start = end + (useCrlf ? 4 : 2);
    }
    this.tail = text.slice(start);
    return events;
  }

  /** The last event when the stream ended without its blank line. */
  end(): SseEvent[] {
    const rest = this.tail + this.decoder.decode();
    this.tail = '';
    const event = parseEvent(rest);
    return event === undefined ? [] : [event];
  }
}

function parseEvent(block: string): SseEvent | undefined {
  let event: string | undefined;
  let data: string | undefined;
  for (const raw of block.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.startsWith('data:')) {
      const value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
      data = data === undefined ? value : `${data}\n${value}`;
    } else if (line.startsWith('event:')) {
      event = line.slice(6).trim();
    }
  }
  return data === undefined ? undefined : { event, data };
}

/** `data: <json>` event, as OpenAI streams are written. */
export function dataEvent(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

/** `event: <type>` + `data: <json>` event, as Anthropic and Responses streams are written. */
export function namedEvent(type: string, payload: unknown): string {
  return `event: ${type}\ndata: ${JSON.stringify(payload)}\n\n`;
}

export function parseJson(data: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(data);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
