import { asArray, asNumber, asString, isObject, type JsonObject, setDefined } from './json.ts';
import { TranslationError } from './translation-error.ts';

/**
 * An OpenAI Responses API request as a chat completions request, for upstreams that only have chat
 * (most providers besides OpenAI). Text, images and function tools are carried; `instructions` becomes
 * the first system message; `function_call` / `function_call_output` items become assistant tool calls
 * and tool messages. Stored conversations (`previous_response_id`) and hosted tools (web search, file
 * search, …) need OpenAI's servers and are refused with a 400 naming the field.
 */
export function responsesToChatRequest(body: JsonObject): JsonObject {
  if (body.previous_response_id !== undefined && body.previous_response_id !== null) {
    throw new TranslationError(
      'previous_response_id is not supported for this model; send the full input',
      'previous_response_id',
    );
  }
  const messages: JsonObject[] = [];
  const instructions = asString(body.instructions);
  if (instructions !== undefined && instructions !== '')
    messages.push({ role: 'system', content: instructions });
  if (typeof body.input === 'string') messages.push({ role: 'user', content: body.input });
  else {
    asArray(body.input).forEach((item, index) => {
      addItem(messages, item, `input.${index}`);
    });
  }
  if (messages.length === 0) throw new TranslationError('input must not be empty', 'input');

  const out: JsonObject = { model: body.model, messages };
  setDefined(out, 'max_tokens', asNumber(body.max_output_tokens));
  setDefined(out, 'temperature', asNumber(body.temperature));
  setDefined(out, 'top_p', asNumber(body.top_p));
  if (body.stream === true) {
    out.stream = true;
    out.stream_options = { include_usage: true };
  }
  const tools = asArray(body.tools).map((tool, index) => toolOf(tool, `tools.${index}`));
  if (tools.length > 0) out.tools = tools;
  const choice = body.tool_choice;
  if (choice === 'auto' || choice === 'none' || choice === 'required') out.tool_choice = choice;
  else if (isObject(choice) && choice.type === 'function' && typeof choice.name === 'string') {
    out.tool_choice = { type: 'function', function: { name: choice.name } };
  }
  if (typeof body.parallel_tool_calls === 'boolean' && tools.length > 0)
    out.parallel_tool_calls = body.parallel_tool_calls;
  setDefined(out, 'user', asString(body.safety_identifier) ?? asString(body.user));
  const format = isObject(body.text) && isObject(body.text.format) ? body.text.format : undefined;
  if (format?.type === 'json_object') out.response_format = { type: 'json_object' };
  else if (format?.type === 'json_schema') {
    const schema: JsonObject = { name: asString(format.name) ?? 'response', schema: format.schema };
    setDefined(schema, 'strict', format.strict);
    out.response_format = { type: 'json_schema', json_schema: schema };
  }
  return out;
}

function addItem(messages: JsonObject[], item: unknown, param: string): void {
  if (!isObject(item)) throw new TranslationError('each input item must be an object', param);
  if (item.type === 'function_call') {
    const call = {
      id: asString(item.call_id) ?? '',
      type: 'function',
      function: { name: asString(item.name) ?? '', arguments: asString(item.arguments) ?? '{}' },
    };
    const last = messages[messages.length - 1];
    // Parallel calls of one turn are consecutive items; chat wants them in one assistant message.
    if (last?.role === 'assistant' && Array.isArray(last.tool_calls)) last.tool_calls.push(call);
    else messages.push({ role: 'assistant', content: null, tool_calls: [call] });
    return;
  }
  if (item.type === 'function_call_output') {
    const output = typeof item.output === 'string' ? item.output : partsText(item.output);
    messages.push({ role: 'tool', tool_call_id: asString(item.call_id) ?? '', content: output });
    return;
  }
  if (item.type === 'reasoning') return;
  if (item.type !== undefined && item.type !== 'message') {
    throw new TranslationError(
      `input item type ${JSON.stringify(item.type)} is not supported for this model`,
      `${param}.type`,
    );
  }
  const role = item.role === 'developer' ? 'system' : item.role;
  if (role !== 'user' && role !== 'assistant' && role !== 'system') {
    throw new TranslationError(`unknown role ${JSON.stringify(item.role)}`, `${param}.role`);
  }
  if (typeof item.content === 'string') {
    messages.push({ role, content: item.content });
    return;
  }
  const parts: JsonObject[] = [];
  asArray(item.content).forEach((part, index) => {
    if (!isObject(part))
      throw new TranslationError('each content part must be an object', `${param}.content.${index}`);
    if ((part.type === 'input_text' || part.type === 'output_text') && typeof part.text === 'string') {
      parts.push({ type: 'text', text: part.text });
    } else if (part.type === 'input_image' && typeof part.image_url === 'string') {
      parts.push({ type: 'image_url', image_url: { url: part.image_url } });
    } else if (part.type !== 'refusal') {
      throw new TranslationError(
        `content part type ${JSON.stringify(part.type)} is not supported for this model`,
        `${param}.content.${index}.type`,
      );
    }
  });
  const onlyText = parts.every((part) => part.type === 'text');
  messages.push({
    role,
    content: onlyText || role !== 'user' ? parts.map((part) => part.text ?? '').join('') : parts,
  });
}

function partsText(value: unknown): string {
  return asArray(value)
    .map((part) => (isObject(part) && typeof part.text === 'string' ? part.text : ''))
    .join('');
}

function toolOf(tool: unknown, param: string): JsonObject {
  if (!isObject(tool) || tool.type !== 'function' || typeof tool.name !== 'string') {
    throw new TranslationError('only function tools are supported for this model', param);
  }
  const fn: JsonObject = {
    name: tool.name,
    parameters: isObject(tool.parameters) ? tool.parameters : { type: 'object', properties: {} },
  };
  setDefined(fn, 'description', asString(tool.description));
  if (typeof tool.strict === 'boolean') fn.strict = tool.strict;
  return { type: 'function', function: fn };
}
