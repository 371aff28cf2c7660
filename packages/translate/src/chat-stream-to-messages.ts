import { translateChatEvents } from './chat-chunks.ts';
import { asArray, asNumber, asString, isObject, type JsonObject } from './json.ts';
import { namedEvent, type SseEvent, SseReader } from './sse-reader.ts';
import { stopReasonOf } from './stop-reasons.ts';
import type { StreamTranslator } from './stream-translator.ts';
import { messagesUsageOf } from './usage-mapping.ts';

type OpenBlock = { kind: 'text' | 'thinking' } | { kind: 'tool'; toolIndex: number };

/**
 * OpenAI chat completion chunks as an Anthropic Messages stream. The first chunk opens the message
 * (`message_start`); `reasoning_content`, `content` and each tool call open their own content block
 * (thinking, text, tool_use) and stream into it; a block is closed when another kind starts. The finish
 * reason and the usage chunk that follows it are held until `[DONE]` (or the end of the stream), then
 * sent as `message_delta` (stop reason and usage, input tokens included) and `message_stop`.
 */
export class ChatStreamToMessages implements StreamTranslator {
  private readonly reader = new SseReader();
  private started = false;
  private done = false;
  private blockIndex = -1;
  private open: OpenBlock | undefined;
  private finish: unknown;
  private usage: unknown;

  constructor(private readonly fallbackModel = '') {}

  push(chunk: Uint8Array | string): string {
    return this.translate(this.reader.push(chunk));
  }

  end(): string {
    const out = this.translate(this.reader.end());
    return this.done ? out : out + this.close();
  }

  fail(message: string): string {
    if (this.done) return '';
    this.done = true;
    return namedEvent('error', { type: 'error', error: { type: 'api_error', message } });
  }

  private translate(events: SseEvent[]): string {
    return translateChatEvents(events, {
      isDone: () => this.done,
      close: () => this.close(),
      fail: (message) => this.fail(message),
      chunk: (data) => this.translateChunk(data),
    });
  }

  private translateChunk(data: JsonObject): string {
    let out = this.started ? '' : this.start(data);
    if (isObject(data.usage)) this.usage = data.usage;
    const choice = asArray(data.choices).find(isObject);
    if (choice === undefined) return out;
    const delta = isObject(choice.delta) ? choice.delta : {};
    const reasoning = asString(delta.reasoning_content);
    if (reasoning !== undefined && reasoning !== '') {
      out += this.ensure({ kind: 'thinking' });
      out += this.delta({ type: 'thinking_delta', thinking: reasoning });
    }
    const text = asString(delta.content);
    if (text !== undefined && text !== '') {
      out += this.ensure({ kind: 'text' });
      out += this.delta({ type: 'text_delta', text });
    }
    for (const call of asArray(delta.tool_calls)) {
      if (!isObject(call)) continue;
      const toolIndex = asNumber(call.index) ?? 0;
      const fn = isObject(call.function) ? call.function : {};
      if (this.open?.kind !== 'tool' || this.open.toolIndex !== toolIndex) {
        out += this.closeBlock();
        this.blockIndex += 1;
        this.open = { kind: 'tool', toolIndex };
        out += namedEvent('content_block_start', {
          type: 'content_block_start',
          index: this.blockIndex,
          content_block: {
            type: 'tool_use',
            id: asString(call.id) ?? '',
            name: asString(fn.name) ?? '',
            input: {},
          },
        });
      }
      const args = asString(fn.arguments);
      if (args !== undefined && args !== '')
        out += this.delta({ type: 'input_json_delta', partial_json: args });
    }
    if (choice.finish_reason !== undefined && choice.finish_reason !== null)
      this.finish = choice.finish_reason;
    return out;
  }

  private start(data: JsonObject): string {
    this.started = true;
    return namedEvent('message_start', {
      type: 'message_start',
      message: {
        id: asString(data.id) ?? 'msg_relay',
        type: 'message',
        role: 'assistant',
        model: asString(data.model) ?? this.fallbackModel,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        // Chat streams report usage only at the end; the final message_delta carries the real figures.
        usage: { input_tokens: 0, output_tokens: 0 },
      },
    });
  }

  private ensure(block: { kind: 'text' | 'thinking' }): string {
    if (this.open?.kind === block.kind) return '';
    const out = this.closeBlock();
    this.blockIndex += 1;
    this.open = block;
    const contentBlock =
      block.kind === 'text' ? { type: 'text', text: '' } : { type: 'thinking', thinking: '', signature: '' };
    return `${out}${namedEvent('content_block_start', { type: 'content_block_start', index: this.blockIndex, content_block: contentBlock })}`;
  }

  private delta(delta: JsonObject): string {
    return namedEvent('content_block_delta', { type: 'content_block_delta', index: this.blockIndex, delta });
  }

  private closeBlock(): string {
    if (this.open === undefined) return '';
    this.open = undefined;
    return namedEvent('content_block_stop', { type: 'content_block_stop', index: this.blockIndex });
  }

  private close(): string {
    this.done = true;
    let out = this.started ? '' : this.start({});
    out += this.closeBlock();
    out += namedEvent('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: stopReasonOf(this.finish), stop_sequence: null },
      usage: messagesUsageOf(this.usage),
    });
    return out + namedEvent('message_stop', { type: 'message_stop' });
  }
}
