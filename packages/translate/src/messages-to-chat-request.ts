import { asArray, asNumber, asString, isObject, type JsonObject, setDefined } from './json.ts';
import { TranslationError } from './translation-error.ts';

/**
 * An Anthropic Messages request as an OpenAI chat completions request.
 * - top-level `system` (string or text blocks) becomes the first system message;
 * - `tool_result` blocks become `tool` messages placed before the rest of their user turn, `tool_use`
 *   blocks the assistant's `tool_calls` (ids kept);
 * - images become `image_url` parts (base64 sources as `data:` URLs);
 * - thinking blocks and `thinking`, `top_k` have no chat equivalent and are dropped;
 * - streams ask for the usage chunk (`stream_options.include_usage`), which Anthropic clients always get.
 */
export function messagesToChatRequest(body: JsonObject): JsonObject {
  const messages: JsonObject[] = [];
  const system = systemText(body.system);
  if (system !== '') messages.push({ role: 'system', content: system });
  asArray(body.messages).forEach((message, index) => {
    if (!isObject(message)) throw new TranslationError('each message must be an object', `messages.${index}`);
    const param = `messages.${index}.content`;
    if (message.role === 'user') messages.push(...userMessages(message.content, param));
    else if (message.role === 'assistant') messages.push(assistantMessage(message.content, param));
    else
      throw new TranslationError(
        `unknown message role ${JSON.stringify(message.role)}`,
        `messages.${index}.role`,
      );
  });

  const out: JsonObject = { model: body.model, messages };
  setDefined(out, 'max_tokens', asNumber(body.max_tokens));
  setDefined(out, 'temperature', asNumber(body.temperature));
  setDefined(out, 'top_p', asNumber(body.top_p));
  const stop = asArray(body.stop_sequences).filter((s) => typeof s === 'string');
  if (stop.length > 0) out.stop = stop;
  if (body.stream === true) {
    out.stream = true;
    out.stream_options = { include_usage: true };
  }
  const tools = asArray(body.tools).map(toolOf);
  if (tools.length > 0) out.tools = tools;
  if (isObject(body.tool_choice)) {
    const choice = body.tool_choice;
    if (choice.type === 'any') out.tool_choice = 'required';
    else if (choice.type === 'none') out.tool_choice = 'none';
    else if (choice.type === 'tool' && typeof choice.name === 'string') {
      out.tool_choice = { type: 'function', function: { name: choice.name } };
    } else if (choice.type === 'auto') out.tool_choice = 'auto';
    if (choice.disable_parallel_tool_use === true && tools.length > 0) out.parallel_tool_calls = false;
  }
  if (isObject(body.metadata)) setDefined(out, 'user', asString(body.metadata.user_id));
  return out;
}

function systemText(system: unknown): string {
  if (typeof system === 'string') return system;
  return asArray(system)
    .map((block) => (isObject(block) && typeof block.text === 'string' ? block.text : ''))
    .filter((text) => text !== '')
    .join('\n\n');
}

function blocksOf(content: unknown, param: string): unknown[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content))
    throw new TranslationError('content must be a string or an array of blocks', param);
  return content;
}

function userMessages(content: unknown, param: string): JsonObject[] {
  const tools: JsonObject[] = [];
  const parts: JsonObject[] = [];
  blocksOf(content, param).forEach((block, index) => {
    if (!isObject(block))
      throw new TranslationError('each content block must be an object', `${param}.${index}`);
    switch (block.type) {
      case 'text':
        if (typeof block.text === 'string') parts.push({ type: 'text', text: block.text });
        break;
      case 'image':
        parts.push(imagePart(block.source, `${param}.${index}.source`));
        break;
      case 'tool_result': {
        const id = asString(block.tool_use_id);
        if (id === undefined)
          throw new TranslationError('tool_result needs tool_use_id', `${param}.${index}.tool_use_id`);
        const text = toolResultText(block.content);
        tools.push({
          role: 'tool',
          tool_call_id: id,
          content: block.is_error === true ? `Error: ${text}` : text,
        });
        break;
      }
      case 'document':
        throw new TranslationError('document blocks cannot be sent to this model', `${param}.${index}.type`);
      default:
        // thinking, redacted_thinking and cache-control-only blocks carry nothing a chat model reads.
        break;
    }
  });
  const out = tools;
  if (parts.length > 0) {
    const onlyText = parts.every((part) => part.type === 'text');
    out.push({ role: 'user', content: onlyText ? parts.map((part) => part.text).join('\n') : parts });
  }
  return out;
}

function toolResultText(content: unknown): string {
  if (typeof content === 'string') return content;
  return asArray(content)
    .map((block) => (isObject(block) && typeof block.text === 'string' ? block.text : ''))
    .join('\n');
}

function imagePart(source: unknown, param: string): JsonObject {
  if (isObject(source) && source.type === 'base64' && typeof source.data === 'string') {
    return {
      type: 'image_url',
      image_url: { url: `data:${asString(source.media_type) ?? 'image/png'};base64,${source.data}` },
    };
  }
  if (isObject(source) && source.type === 'url' && typeof source.url === 'string') {
    return { type: 'image_url', image_url: { url: source.url } };
  }
  throw new TranslationError('image source must be base64 data or a URL', param);
}

function assistantMessage(content: unknown, param: string): JsonObject {
  let text = '';
  const calls: JsonObject[] = [];
  blocksOf(content, param).forEach((block, index) => {
    if (!isObject(block))
      throw new TranslationError('each content block must be an object', `${param}.${index}`);
    if (block.type === 'text' && typeof block.text === 'string') text += block.text;
    else if (block.type === 'tool_use') {
      const id = asString(block.id);
      const name = asString(block.name);
      if (id === undefined || name === undefined) {
        throw new TranslationError('tool_use needs an id and a name', `${param}.${index}`);
      }
      calls.push({ id, type: 'function', function: { name, arguments: JSON.stringify(block.input ?? {}) } });
    }
  });
  const out: JsonObject = { role: 'assistant', content: text === '' && calls.length > 0 ? null : text };
  if (calls.length > 0) out.tool_calls = calls;
  return out;
}

function toolOf(tool: unknown, index: number): JsonObject {
  if (
    !isObject(tool) ||
    typeof tool.name !== 'string' ||
    (tool.type !== undefined && tool.type !== 'custom')
  ) {
    throw new TranslationError(
      'only client tools with a name and input_schema can be sent to this model',
      `tools.${index}`,
    );
  }
  const fn: JsonObject = {
    name: tool.name,
    parameters: isObject(tool.input_schema) ? tool.input_schema : { type: 'object', properties: {} },
  };
  setDefined(fn, 'description', asString(tool.description));
  return { type: 'function', function: fn };
}
