import { asArray, asString, isObject, type JsonObject } from './json.ts';
import { finishReasonOf } from './stop-reasons.ts';
import { chatUsageOf } from './usage-mapping.ts';

/**
 * An Anthropic message as an OpenAI chat completion: text blocks join `content`, `tool_use` blocks
 * become `tool_calls` (ids kept, input serialised as `arguments`), thinking becomes `reasoning_content`
 * (the field chat APIs with visible reasoning use).
 */
export function messagesToChatResponse(
  message: JsonObject,
  created = Math.floor(Date.now() / 1000),
): JsonObject {
  let text = '';
  let reasoning = '';
  const calls: JsonObject[] = [];
  for (const block of asArray(message.content)) {
    if (!isObject(block)) continue;
    if (block.type === 'text' && typeof block.text === 'string') text += block.text;
    else if (block.type === 'thinking' && typeof block.thinking === 'string') reasoning += block.thinking;
    else if (block.type === 'tool_use') {
      calls.push({
        id: asString(block.id) ?? '',
        type: 'function',
        function: { name: asString(block.name) ?? '', arguments: JSON.stringify(block.input ?? {}) },
      });
    }
  }
  const reply: JsonObject = {
    role: 'assistant',
    content: text === '' && calls.length > 0 ? null : text,
    refusal: null,
  };
  if (reasoning !== '') reply.reasoning_content = reasoning;
  if (calls.length > 0) reply.tool_calls = calls;
  return {
    id: asString(message.id) ?? 'chatcmpl-relay',
    object: 'chat.completion',
    created,
    model: asString(message.model) ?? '',
    choices: [
      { index: 0, message: reply, logprobs: null, finish_reason: finishReasonOf(message.stop_reason) },
    ],
    usage: chatUsageOf(message.usage),
  };
}
