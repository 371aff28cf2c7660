import { asArray, asNumber, asString, isObject, type JsonObject, setDefined } from './json.ts';
import { TranslationError } from './translation-error.ts';

/** Used when a chat request sets no output limit (Anthropic requires `max_tokens`). */
export const DEFAULT_MAX_TOKENS = 4096;

export type ChatToMessagesOptions = {
  /** `max_tokens` when the client sets none: the model's documented default, else DEFAULT_MAX_TOKENS. */
  defaultMaxTokens?: number;
};

type Block = JsonObject;
type Message = { role: 'user' | 'assistant'; content: Block[] };

/**
 * An OpenAI chat completions request as an Anthropic Messages request.
 * - system and developer messages (wherever they are) join the top-level `system`, in order;
 * - `tool` messages become `tool_result` blocks of a user turn, tool calls `tool_use` blocks (ids kept);
 * - consecutive turns of one role are merged (Anthropic wants tool results right after the tool use);
 * - temperature is clamped to Anthropic's 0..1; `stop` becomes `stop_sequences`;
 * - reasoning controls (`reasoning_effort`) and `response_format` have no Anthropic equivalent and are
 *   dropped; `n` > 1 cannot be served and is refused.
 */
export function chatToMessagesRequest(chat: JsonObject, options: ChatToMessagesOptions = {}): JsonObject {
  const n = asNumber(chat.n);
  if (n !== undefined && n !== 1) throw new TranslationError('n must be 1 for this model', 'n');
  const system: string[] = [];
  const messages: Message[] = [];
  const push = (role: Message['role'], content: Block[]) => {
    if (content.length === 0) return;
    const last = messages[messages.length - 1];
    if (last !== undefined && last.role === role) last.content.push(...content);
    else messages.push({ role, content });
  };
  asArray(chat.messages).forEach((message, index) => {
    if (!isObject(message)) throw new TranslationError('each message must be an object', `messages.${index}`);
    switch (message.role) {
      case 'system':
      case 'developer': {
        const text = textOf(message.content, `messages.${index}.content`);
        if (text !== '') system.push(text);
        break;
      }
      case 'user':
        push('user', userBlocks(message.content, `messages.${index}.content`));
        break;
      case 'assistant':
        push('assistant', assistantBlocks(message, index));
        break;
      case 'tool':
      case 'function':
        push('user', [toolResultBlock(message, index)]);
        break;
      default:
        throw new TranslationError(
          `unknown message role ${JSON.stringify(message.role)}`,
          `messages.${index}.role`,
        );
    }
  });
  if (messages.length === 0) {
    throw new TranslationError('messages must hold at least one user or assistant message', 'messages');
  }

  const maxTokens =
    asNumber(chat.max_completion_tokens) ??
    asNumber(chat.max_tokens) ??
    options.defaultMaxTokens ??
    DEFAULT_MAX_TOKENS;
  const out: JsonObject = { model: chat.model, max_tokens: maxTokens, messages };
  if (system.length > 0) out.system = system.join('\n\n');
  const temperature = asNumber(chat.temperature);
  if (temperature !== undefined) out.temperature = Math.min(1, Math.max(0, temperature));
  setDefined(out, 'top_p', asNumber(chat.top_p));
  const stop =
    typeof chat.stop === 'string' ? [chat.stop] : asArray(chat.stop).filter((s) => typeof s === 'string');
  if (stop.length > 0) out.stop_sequences = stop;
  if (chat.stream === true) out.stream = true;
  const tools = asArray(chat.tools).map(toolOf);
  if (tools.length > 0) out.tools = tools;
  const choice = toolChoiceOf(chat.tool_choice, chat.parallel_tool_calls);
  if (choice !== undefined && (tools.length > 0 || choice.type === 'none')) out.tool_choice = choice;
  const user = asString(chat.user);
  if (user !== undefined) out.metadata = { user_id: user };
  return out;
}

function textOf(content: unknown, param: string): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  if (!Array.isArray(content))
    throw new TranslationError('content must be a string or an array of parts', param);
  return content
    .map((part) => (isObject(part) && typeof part.text === 'string' ? part.text : ''))
    .filter((text) => text !== '')
    .join('\n');
}

function userBlocks(content: unknown, param: string): Block[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  if (!Array.isArray(content))
    throw new TranslationError('content must be a string or an array of parts', param);
  const blocks: Block[] = [];
  content.forEach((part, index) => {
    if (!isObject(part))
      throw new TranslationError('each content part must be an object', `${param}.${index}`);
    if (part.type === 'text') {
      if (typeof part.text === 'string' && part.text !== '') blocks.push({ type: 'text', text: part.text });
    } else if (part.type === 'image_url') {
      blocks.push(imageBlock(part.image_url, `${param}.${index}.image_url`));
    } else {
      throw new TranslationError(
        `content part type ${JSON.stringify(part.type)} cannot be sent to this model`,
        `${param}.${index}.type`,
      );
    }
  });
  return blocks;
}

const DATA_URL = /^data:([^;,]+);base64,(.*)$/s;

/** `data:` URLs become base64 image sources, other URLs URL sources. */
function imageBlock(image: unknown, param: string): Block {
  const url = typeof image === 'string' ? image : isObject(image) ? asString(image.url) : undefined;
  if (url === undefined || url === '') throw new TranslationError('image_url.url must be a string', param);
  const data = DATA_URL.exec(url);
  if (data !== null) {
    return { type: 'image', source: { type: 'base64', media_type: data[1], data: data[2] } };
  }
  return { type: 'image', source: { type: 'url', url } };
}

function assistantBlocks(message: JsonObject, index: number): Block[] {
  const blocks: Block[] = [];
  // `reasoning_content` is left out: Anthropic only takes back thinking blocks with its own signature,
  // which a chat transcript does not carry (the chat APIs that expose reasoning ask the same).
  const text = textOf(message.content, `messages.${index}.content`);
  if (text !== '') blocks.push({ type: 'text', text });
  asArray(message.tool_calls).forEach((call, callIndex) => {
    const param = `messages.${index}.tool_calls.${callIndex}`;
    if (!isObject(call) || !isObject(call.function))
      throw new TranslationError('tool call must have a function', param);
    const name = asString(call.function.name);
    const id = asString(call.id);
    if (name === undefined || id === undefined)
      throw new TranslationError('tool call needs an id and a function name', param);
    blocks.push({
      type: 'tool_use',
      id,
      name,
      input: parseArguments(call.function.arguments, `${param}.function.arguments`),
    });
  });
  return blocks;
}

function parseArguments(value: unknown, param: string): JsonObject {
  if (value === undefined || value === null || value === '') return {};
  if (typeof value !== 'string') throw new TranslationError('arguments must be a JSON string', param);
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new TranslationError('arguments must be a JSON object', param);
  }
  if (!isObject(parsed)) throw new TranslationError('arguments must be a JSON object', param);
  return parsed;
}

function toolResultBlock(message: JsonObject, index: number): Block {
  const id = asString(message.tool_call_id) ?? asString(message.name);
  if (id === undefined)
    throw new TranslationError('tool message needs tool_call_id', `messages.${index}.tool_call_id`);
  return {
    type: 'tool_result',
    tool_use_id: id,
    content: textOf(message.content, `messages.${index}.content`),
  };
}

function toolOf(tool: unknown, index: number): JsonObject {
  const fn =
    isObject(tool) && tool.type === 'function' && isObject(tool.function) ? tool.function : undefined;
  const name = asString(fn?.name);
  if (fn === undefined || name === undefined) {
    throw new TranslationError('only function tools with a name can be sent to this model', `tools.${index}`);
  }
  const out: JsonObject = {
    name,
    input_schema: isObject(fn.parameters) ? fn.parameters : { type: 'object', properties: {} },
  };
  setDefined(out, 'description', asString(fn.description));
  return out;
}

function toolChoiceOf(choice: unknown, parallel: unknown): JsonObject | undefined {
  let out: JsonObject | undefined;
  if (choice === 'auto') out = { type: 'auto' };
  else if (choice === 'required') out = { type: 'any' };
  else if (choice === 'none') out = { type: 'none' };
  else if (isObject(choice) && isObject(choice.function) && typeof choice.function.name === 'string') {
    out = { type: 'tool', name: choice.function.name };
  }
  if (parallel === false && out?.type !== 'none') {
    out = { ...(out ?? { type: 'auto' }), disable_parallel_tool_use: true };
  }
  return out;
}
