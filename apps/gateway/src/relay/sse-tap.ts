import { StringDecoder } from 'node:string_decoder';
import { UsageAccumulator } from './usage.ts';

/**
 * Watches an SSE stream on its way to the client: reads usage reports and counts delivered text, and
 * (only when asked) removes the usage-only chunk the gateway requested on the client's behalf.
 *
 * Whole events are forwarded as they arrive (the upstream's own Buffer, untouched, when a chunk holds
 * only whole events: the usual case). An incomplete trailing event is held back until its end arrives
 * (at most one event, never the stream): an event can only be dropped once it is whole, and an upstream
 * cut mid-event must not leave half an event at the client, where it would corrupt the error event
 * that ends the stream. Events are parsed as JSON only when they mention usage; text is counted by
 * scanning for string values, so the cost per chunk stays a few microseconds.
 */
export class SseTap {
  readonly usage = new UsageAccumulator();
  completionCharacters = 0;
  sawDone = false;
  private readonly decoder = new StringDecoder('utf8');
  private tail = '';

  constructor(private readonly options: { stripUsageChunk: boolean }) {}

  /** Returns what to send to the client now: the same Buffer when it holds whole events only. */
  push(chunk: Buffer): Buffer | undefined {
    const held = this.tail !== '';
    const text = this.tail + this.decoder.write(chunk);
    const { events, rest } = splitEvents(text);
    this.tail = rest;
    let kept = '';
    let dropped = false;
    for (const event of events) {
      const usageOnly = this.inspect(event);
      if (this.options.stripUsageChunk && usageOnly) dropped = true;
      else kept += event;
    }
    if (!dropped && !held && rest === '' && Buffer.byteLength(text) === chunk.length) return chunk;
    // Otherwise whole events are re-encoded (a chunk may end inside a UTF-8 sequence, so the decoded
    // text is the only consistent source).
    return kept.length > 0 ? Buffer.from(kept, 'utf8') : undefined;
  }

  /** Flushes an incomplete final event, for an upstream that ended without the closing blank line. */
  end(): Buffer | undefined {
    const rest = this.tail + this.decoder.end();
    this.tail = '';
    if (rest === '') return undefined;
    const removable = this.inspect(rest);
    return this.options.stripUsageChunk && removable ? undefined : Buffer.from(rest, 'utf8');
  }

  /** Reads one event; true when it is an OpenAI usage-only chunk (no choices, a usage object). */
  private inspect(event: string): boolean {
    if (event.includes('[DONE]')) this.sawDone = true;
    this.completionCharacters += textCharacters(event);
    if (!event.includes('"usage"')) return false;
    let usageOnly = false;
    for (const line of event.split('\n')) {
      if (!line.startsWith('data:')) continue;
      const payload = line.slice(5).trim();
      if (payload === '' || payload === '[DONE]') continue;
      try {
        const data = JSON.parse(payload) as Record<string, unknown>;
        const message = data.message as Record<string, unknown> | undefined;
        const response = data.response as Record<string, unknown> | undefined;
        const usage = (data.usage ?? message?.usage ?? response?.usage) as Parameters<
          UsageAccumulator['add']
        >[0];
        this.usage.add(usage);
        if (Array.isArray(data.choices) && data.choices.length === 0 && usage) usageOnly = true;
      } catch {
        // Not JSON: relay it untouched, count nothing.
      }
    }
    return usageOnly;
  }
}

/** Splits complete SSE events (each keeps its blank-line terminator) from an incomplete remainder. */
export function splitEvents(text: string): { events: string[]; rest: string } {
  const events: string[] = [];
  let start = 0;
  for (;;) {
    const lf = text.indexOf('\n\n', start);
    const crlf = text.indexOf('\r\n\r\n', start);
    if (lf === -1 && crlf === -1) break;
    const end = crlf !== -1 && (lf === -1 || crlf < lf) ? crlf + 4 : lf + 2;
    events.push(text.slice(start, end));
    start = end;
  }
  return { events, rest: text.slice(start) };
}

const TEXT_KEYS = ['"content":"', '"text":"', '"delta":"', '"partial_json":"'];

/** Characters of generated text in one event, from the string values that carry text in the three formats. */
export function textCharacters(event: string): number {
  let total = 0;
  for (const key of TEXT_KEYS) {
    let at = event.indexOf(key);
    while (at !== -1) {
      let i = at + key.length;
      let length = 0;
      while (i < event.length && event[i] !== '"') {
        i += event[i] === '\\' ? 2 : 1;
        length += 1;
      }
      total += length;
      at = event.indexOf(key, i);
    }
  }
  return total;
}
