import { asString, isObject, type JsonObject } from './json.ts';
import { parseJson, type SseEvent } from './sse-reader.ts';

/** What a translator of an OpenAI chat stream does with each kind of upstream event. */
export interface ChatChunkHandlers {
  isDone(): boolean;
  /** `data: [DONE]`: the upstream finished normally. */
  close(): string;
  /** An error object in the stream. */
  fail(message: string): string;
  /** One `chat.completion.chunk`. */
  chunk(data: JsonObject): string;
}

/** Dispatches the events of an OpenAI chat stream; events that are not JSON are skipped. */
export function translateChatEvents(events: SseEvent[], handlers: ChatChunkHandlers): string {
  let out = '';
  for (const event of events) {
    if (handlers.isDone()) break;
    if (event.data === '[DONE]') {
      out += handlers.close();
      continue;
    }
    const data = parseJson(event.data);
    if (data === undefined) continue;
    if (isObject(data.error)) {
      out += handlers.fail(asString(data.error.message) ?? 'upstream error');
      continue;
    }
    out += handlers.chunk(data);
  }
  return out;
}
