import { asNumber, asString, isObject, type JsonObject } from './json.ts';
import { dataEvent, parseJson, type SseEvent, SseReader } from './sse-reader.ts';
import { finishReasonOf } from './stop-reasons.ts';
import type { StreamTranslator } from './stream-translator.ts';
import { chatUsageOf } from './usage-mapping.ts';

/**
 * An Anthropic Messages stream as OpenAI chat completion chunks:
 * message_start → the role chunk; text/thinking deltas → `content`/`reasoning_content` deltas; a tool_use
 * block → a `tool_calls` delta with id and name, its `input_json_delta`s → `arguments` deltas;
 * message_delta → the finish_reason chunk; message_stop → the usage chunk (when the client asked for it
 * with `stream_options.include_usage`) and `[DONE]`.
 */
export class MessagesStreamToChat implements StreamTranslator {
  private readonly reader = new SseReader();
  private id = 'chatcmpl-relay';
  private model = '';
  private usage: JsonObject = {};
  private finish: string | undefined;
  private readonly toolIndexOfBlock = new Map<number, number>();
  private done = false;

  private readonly includeUsage: boolean;
  private readonly created: number;

  constructor(options: { includeUsage: boolean; created?: number } = { includeUsage: false }) {
    this.includeUsage = options.includeUsage;
    this.created = options.created ?? Math.floor(Date.now() / 1000);
  }

  push(chunk: Uint8Array | string): string {
    return this.translate(this.reader.push(chunk));
  }

  end(): string {
    let out = this.translate(this.reader.end());
    if (!this.done) out += this.close();
    return out;
  }

  fail(message: string): string {
    if (this.done) return '';
    this.done = true;
    return dataEvent({ error: { message, type: 'api_error', code: 'UPSTREAM_ERROR', param: null } });
  }

  private translate(events: SseEvent[]): string {
    let out = '';
    for (const event of events) {
      if (this.done) break;
      const data = parseJson(event.data);
      if (data !== undefined) out += this.translateOne(data);
    }
    return out;
  }

  private chunk(delta: JsonObject, finish: string | null = null): string {
    return dataEvent({
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    });
  }

  private translateOne(data: JsonObject): string {
    switch (data.type) {
      case 'message_start': {
        const message = isObject(data.message) ? data.message : {};
        this.id = asString(message.id) ?? this.id;
        this.model = asString(message.model) ?? this.model;
        this.mergeUsage(message.usage);
        return this.chunk({ role: 'assistant', content: '' });
      }
      case 'content_block_start': {
        const block = isObject(data.content_block) ? data.content_block : {};
        if (block.type !== 'tool_use') return '';
        const toolIndex = this.toolIndexOfBlock.size;
        this.toolIndexOfBlock.set(asNumber(data.index) ?? toolIndex, toolIndex);
        return this.chunk({
          tool_calls: [
            {
              index: toolIndex,
              id: asString(block.id) ?? '',
              type: 'function',
              function: { name: asString(block.name) ?? '', arguments: '' },
            },
          ],
        });
      }
      case 'content_block_delta': {
        const delta = isObject(data.delta) ? data.delta : {};
        if (delta.type === 'text_delta') return this.chunk({ content: asString(delta.text) ?? '' });
        if (delta.type === 'thinking_delta')
          return this.chunk({ reasoning_content: asString(delta.thinking) ?? '' });
        if (delta.type === 'input_json_delta') {
          const toolIndex = this.toolIndexOfBlock.get(asNumber(data.index) ?? -1);
          if (toolIndex === undefined) return '';
          return this.chunk({
            tool_calls: [{ index: toolIndex, function: { arguments: asString(delta.partial_json) ?? '' } }],
          });
        }
        return '';
      }
      case 'message_delta': {
        this.mergeUsage(data.usage);
        const delta = isObject(data.delta) ? data.delta : {};
        if (delta.stop_reason === undefined || delta.stop_reason === null) return '';
        this.finish = finishReasonOf(delta.stop_reason);
        return this.chunk({}, this.finish);
      }
      case 'message_stop':
        return this.close();
      case 'error': {
        const error = isObject(data.error) ? data.error : {};
        return this.fail(asString(error.message) ?? 'upstream error');
      }
      default:
        // ping, content_block_stop, signature deltas: nothing to say in chat chunks.
        return '';
    }
  }

  private mergeUsage(usage: unknown): void {
    if (!isObject(usage)) return;
    for (const [key, value] of Object.entries(usage)) if (typeof value === 'number') this.usage[key] = value;
  }

  private close(): string {
    this.done = true;
    let out = this.finish === undefined ? this.chunk({}, 'stop') : '';
    if (this.includeUsage) {
      out += dataEvent({
        id: this.id,
        object: 'chat.completion.chunk',
        created: this.created,
        model: this.model,
        choices: [],
        usage: chatUsageOf(this.usage),
      });
    }
    return `${out}data: [DONE]\n\n`;
  }
}
