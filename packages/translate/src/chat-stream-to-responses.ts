import { translateChatEvents } from './chat-chunks.ts';
import { functionItemId, messageItemId, type ResponsesEcho, responseObject } from './chat-to-responses.ts';
import { asArray, asNumber, asString, isObject, type JsonObject } from './json.ts';
import { dataEvent, namedEvent, type SseEvent, SseReader } from './sse-reader.ts';
import type { StreamTranslator } from './stream-translator.ts';
import { responsesUsageOf } from './usage-mapping.ts';

type TextItem = { kind: 'text'; outputIndex: number; id: string; text: string };
type CallItem = { kind: 'call'; outputIndex: number; id: string; callId: string; name: string; args: string };

/**
 * Chat completion chunks as a Responses API stream: `response.created` and `response.in_progress` first,
 * then one output item per text answer or tool call (`output_item.added`, its deltas, its `.done`
 * events), and `response.completed` with the usage once the chat stream ends.
 */
export class ChatStreamToResponses implements StreamTranslator {
  private readonly reader = new SseReader();
  private sequence = 0;
  private id = 'resp_relay';
  private chatId = 'relay';
  private model: string | undefined;
  private started = false;
  private done = false;
  private readonly output: JsonObject[] = [];
  private open: TextItem | CallItem | undefined;
  private readonly calls = new Map<number, CallItem>();
  private finish: unknown;
  private usage: unknown;

  constructor(
    private readonly echo: ResponsesEcho,
    private readonly createdAt = Math.floor(Date.now() / 1000),
  ) {}

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
    return dataEvent({ error: { message, type: 'api_error', code: 'UPSTREAM_ERROR', param: null } });
  }

  private event(type: string, payload: JsonObject): string {
    return namedEvent(type, { type, sequence_number: this.sequence++, ...payload });
  }

  private snapshot(status: string, usage: JsonObject | null = null): JsonObject {
    const incomplete = this.finish === 'length';
    return responseObject(this.id, this.createdAt, this.echo, {
      status: status === 'completed' && incomplete ? 'incomplete' : status,
      output: this.output,
      usage,
      incomplete: status === 'completed' && incomplete,
      model: this.model,
    });
  }

  private translate(events: SseEvent[]): string {
    return translateChatEvents(events, {
      isDone: () => this.done,
      close: () => this.close(),
      fail: (message) => this.fail(message),
      chunk: (data) => this.translateChunk(data),
    });
  }

  private start(data: JsonObject): string {
    this.started = true;
    this.chatId = asString(data.id) ?? this.chatId;
    this.id = `resp_${this.chatId}`;
    this.model = asString(data.model);
    const response = this.snapshot('in_progress');
    return this.event('response.created', { response }) + this.event('response.in_progress', { response });
  }

  private translateChunk(data: JsonObject): string {
    let out = this.started ? '' : this.start(data);
    if (isObject(data.usage)) this.usage = data.usage;
    const choice = asArray(data.choices).find(isObject);
    if (choice === undefined) return out;
    const delta = isObject(choice.delta) ? choice.delta : {};
    const text = asString(delta.content);
    if (text !== undefined && text !== '') {
      if (this.open?.kind !== 'text') {
        out += this.closeItem();
        const item: TextItem = {
          kind: 'text',
          outputIndex: this.output.length,
          id: messageItemId(this.chatId),
          text: '',
        };
        this.open = item;
        this.output.push({
          id: item.id,
          type: 'message',
          status: 'in_progress',
          role: 'assistant',
          content: [],
        });
        out += this.event('response.output_item.added', {
          output_index: item.outputIndex,
          item: this.output[item.outputIndex],
        });
        out += this.event('response.content_part.added', {
          item_id: item.id,
          output_index: item.outputIndex,
          content_index: 0,
          part: { type: 'output_text', text: '', annotations: [] },
        });
      }
      const item = this.open as TextItem;
      item.text += text;
      out += this.event('response.output_text.delta', {
        item_id: item.id,
        output_index: item.outputIndex,
        content_index: 0,
        delta: text,
        logprobs: [],
      });
    }
    for (const call of asArray(delta.tool_calls)) {
      if (!isObject(call)) continue;
      const index = asNumber(call.index) ?? 0;
      const fn = isObject(call.function) ? call.function : {};
      let item = this.calls.get(index);
      if (item === undefined) {
        out += this.closeItem();
        const callId = asString(call.id) ?? `call_${index}`;
        item = {
          kind: 'call',
          outputIndex: this.output.length,
          id: functionItemId(callId),
          callId,
          name: asString(fn.name) ?? '',
          args: '',
        };
        this.calls.set(index, item);
        this.open = item;
        this.output.push(this.callItem(item, 'in_progress'));
        out += this.event('response.output_item.added', {
          output_index: item.outputIndex,
          item: this.output[item.outputIndex],
        });
      }
      const args = asString(fn.arguments);
      if (args !== undefined && args !== '') {
        item.args += args;
        out += this.event('response.function_call_arguments.delta', {
          item_id: item.id,
          output_index: item.outputIndex,
          delta: args,
        });
      }
    }
    if (choice.finish_reason !== undefined && choice.finish_reason !== null)
      this.finish = choice.finish_reason;
    return out;
  }

  private callItem(item: CallItem, status: string): JsonObject {
    return {
      id: item.id,
      type: 'function_call',
      status,
      call_id: item.callId,
      name: item.name,
      arguments: item.args,
    };
  }

  private closeItem(): string {
    const item = this.open;
    if (item === undefined) return '';
    this.open = undefined;
    if (item.kind === 'call') {
      const done = this.callItem(item, 'completed');
      this.output[item.outputIndex] = done;
      return (
        this.event('response.function_call_arguments.done', {
          item_id: item.id,
          output_index: item.outputIndex,
          name: item.name,
          arguments: item.args,
        }) + this.event('response.output_item.done', { output_index: item.outputIndex, item: done })
      );
    }
    const part = { type: 'output_text', text: item.text, annotations: [], logprobs: [] };
    const done = { id: item.id, type: 'message', status: 'completed', role: 'assistant', content: [part] };
    this.output[item.outputIndex] = done;
    const where = { item_id: item.id, output_index: item.outputIndex, content_index: 0 };
    return (
      this.event('response.output_text.done', { ...where, text: item.text, logprobs: [] }) +
      this.event('response.content_part.done', { ...where, part }) +
      this.event('response.output_item.done', { output_index: item.outputIndex, item: done })
    );
  }

  private close(): string {
    this.done = true;
    let out = this.started ? '' : this.start({});
    out += this.closeItem();
    // An item left open by a stream cut short is still closed above, so `output` is always complete.
    const response = this.snapshot('completed', responsesUsageOf(this.usage));
    const type = response.status === 'incomplete' ? 'response.incomplete' : 'response.completed';
    return out + this.event(type, { response });
  }
}
