import { SseReader } from '../src/index.ts';

/** Upstream stream text from events: `[name, payload]` (named, Anthropic) or payload / '[DONE]' (data only). */
export function sse(events: ReadonlyArray<unknown>): string {
  return events
    .map((event) => {
      if (event === '[DONE]') return 'data: [DONE]\n\n';
      if (Array.isArray(event)) return `event: ${event[0]}\ndata: ${JSON.stringify(event[1])}\n\n`;
      return `data: ${JSON.stringify(event)}\n\n`;
    })
    .join('');
}

/** The events of an SSE text, parsed: `{event, data}` with data as JSON where it is JSON. */
export function parseSse(text: string): Array<{ event: string | undefined; data: any }> {
  const reader = new SseReader();
  return [...reader.push(text), ...reader.end()].map(({ event, data }) => {
    try {
      return { event, data: JSON.parse(data) };
    } catch {
      return { event, data };
    }
  });
}
