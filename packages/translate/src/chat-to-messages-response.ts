import { asArray, asString, isObject, type JsonObject } from './json.ts';
import { stopReasonOf } from './stop-reasons.ts';
import { messagesUsageOf } from './usage-mapping.ts';

/**
 * An OpenAI chat completion (its first choice) as an Anthropic message: `reasoning_content` becomes a
 * thinking block (with an empty signature: there is none to give), content a text block, `tool_calls`
 * `tool_use` blocks with the arguments parsed (arguments that are not a JSON object are kept as
 * `{"arguments": "<text>"}` so nothing the model said is lost).
 */
export function chatToMessagesResponse(completion: JsonObject): JsonObject {
  const choice = asArray(completion.choices).find(isObject) ?? {};
  const message = isObject(choice.message) ? choice.message : {};
  const content: JsonObject[] = [];
  const reasoning = asString(message.reasoning_content);
  if (reasoning !== undefined && reasoning !== '')
    content.push({ type: 'thinking', thinking: reasoning, signature: '' });
  const text = asString(message.content);
  if (text !== undefined && text !== '') content.push({ type: 'text', text });
  for (const call of asArray(message.tool_calls)) {
    if (!isObject(call) || !isObject(call.function)) continue;
    content.push({
      type: 'tool_use',
      id: asString(call.id) ?? '',
      name: asString(call.function.name) ?? '',
      input: toolInput(call.function.arguments),
    });
  }
  if (content.length === 0) content.push({ type: 'text', text: '' });
  return {
    id: asString(completion.id) ?? 'msg_relay',
    type: 'message',
    role: 'assistant',
    model: asString(completion.model) ?? '',
    content,
    stop_reason: stopReasonOf(choice.finish_reason),
    stop_sequence: null,
    usage: messagesUsageOf(completion.usage),
  };
}

export function toolInput(value: unknown): JsonObject {
  if (typeof value !== 'string' || value.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(value);
    return isObject(parsed) ? parsed : { arguments: value };
  } catch {
    return { arguments: value };
  }
}
