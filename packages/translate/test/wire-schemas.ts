import { z } from 'zod';

/**
 * What each API accepts, as far as the translations produce it: the test oracle for "a translated body is
 * valid for its target". Written from the providers' API references, independent of the translation code.
 */

const nonEmpty = z.string().min(1);

// Anthropic Messages request.
const anthropicImage = z.strictObject({
  type: z.literal('image'),
  source: z.union([
    z.strictObject({ type: z.literal('base64'), media_type: nonEmpty, data: z.string() }),
    z.strictObject({ type: z.literal('url'), url: nonEmpty }),
  ]),
});
const anthropicText = z.strictObject({ type: z.literal('text'), text: nonEmpty });
const anthropicToolUse = z.strictObject({
  type: z.literal('tool_use'),
  id: nonEmpty,
  name: nonEmpty,
  input: z.record(z.string(), z.unknown()),
});
const anthropicToolResult = z.strictObject({
  type: z.literal('tool_result'),
  tool_use_id: nonEmpty,
  content: z.union([z.string(), z.array(anthropicText)]),
  is_error: z.boolean().optional(),
});
export const anthropicRequestSchema = z.strictObject({
  model: nonEmpty,
  max_tokens: z.number().int().min(1),
  messages: z
    .array(
      z.strictObject({
        role: z.enum(['user', 'assistant']),
        content: z.union([
          nonEmpty,
          z.array(z.union([anthropicText, anthropicImage, anthropicToolUse, anthropicToolResult])).min(1),
        ]),
      }),
    )
    .min(1)
    .refine(
      (messages) => messages.every((m, i) => i === 0 || messages[i - 1]?.role !== m.role),
      'roles must alternate',
    ),
  system: z.union([z.string(), z.array(anthropicText)]).optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().optional(),
  stop_sequences: z.array(z.string()).optional(),
  stream: z.boolean().optional(),
  tools: z
    .array(
      z.strictObject({
        name: nonEmpty,
        description: z.string().optional(),
        input_schema: z.looseObject({ type: z.literal('object') }),
      }),
    )
    .optional(),
  tool_choice: z
    .union([
      z.strictObject({ type: z.enum(['auto', 'any']), disable_parallel_tool_use: z.boolean().optional() }),
      z.strictObject({ type: z.literal('none') }),
      z.strictObject({
        type: z.literal('tool'),
        name: nonEmpty,
        disable_parallel_tool_use: z.boolean().optional(),
      }),
    ])
    .optional(),
  metadata: z.strictObject({ user_id: z.string() }).optional(),
});

// OpenAI chat completions request.
const chatPart = z.union([
  z.strictObject({ type: z.literal('text'), text: z.string() }),
  z.strictObject({ type: z.literal('image_url'), image_url: z.strictObject({ url: nonEmpty }) }),
]);
const chatToolCall = z.strictObject({
  id: nonEmpty,
  type: z.literal('function'),
  function: z.strictObject({ name: nonEmpty, arguments: z.string() }),
});
export const chatRequestSchema = z
  .strictObject({
    model: nonEmpty,
    messages: z
      .array(
        z.union([
          z.strictObject({ role: z.enum(['system', 'developer']), content: z.string() }),
          z.strictObject({
            role: z.literal('user'),
            content: z.union([z.string(), z.array(chatPart).min(1)]),
          }),
          z.strictObject({
            role: z.literal('assistant'),
            content: z.string().nullable(),
            tool_calls: z.array(chatToolCall).min(1).optional(),
          }),
          z.strictObject({ role: z.literal('tool'), tool_call_id: nonEmpty, content: z.string() }),
        ]),
      )
      .min(1),
    max_tokens: z.number().int().min(1).optional(),
    temperature: z.number().min(0).max(2).optional(),
    top_p: z.number().min(0).max(1).optional(),
    stop: z.union([z.string(), z.array(z.string()).max(4)]).optional(),
    stream: z.boolean().optional(),
    stream_options: z.strictObject({ include_usage: z.boolean() }).optional(),
    tools: z
      .array(
        z.strictObject({
          type: z.literal('function'),
          function: z.strictObject({
            name: nonEmpty,
            description: z.string().optional(),
            parameters: z.record(z.string(), z.unknown()),
            strict: z.boolean().optional(),
          }),
        }),
      )
      .optional(),
    tool_choice: z
      .union([
        z.enum(['auto', 'none', 'required']),
        z.strictObject({ type: z.literal('function'), function: z.strictObject({ name: nonEmpty }) }),
      ])
      .optional(),
    parallel_tool_calls: z.boolean().optional(),
    user: z.string().optional(),
    response_format: z.looseObject({ type: z.string() }).optional(),
  })
  .refine((body) => {
    // Every tool message answers a tool call made by an earlier assistant message.
    const called = new Set<string>();
    for (const m of body.messages) {
      if (m.role === 'assistant') for (const call of m.tool_calls ?? []) called.add(call.id);
      if (m.role === 'tool' && !called.has(m.tool_call_id)) return false;
    }
    return true;
  }, 'tool messages must answer earlier tool calls');

// Responses.
const usageChat = z.looseObject({
  prompt_tokens: z.number().int().min(0),
  completion_tokens: z.number().int().min(0),
  total_tokens: z.number().int().min(0),
});
export const chatCompletionSchema = z.looseObject({
  id: nonEmpty,
  object: z.literal('chat.completion'),
  created: z.number().int(),
  model: z.string(),
  choices: z
    .array(
      z.looseObject({
        index: z.literal(0),
        message: z.looseObject({
          role: z.literal('assistant'),
          content: z.string().nullable(),
          tool_calls: z.array(chatToolCall).optional(),
        }),
        finish_reason: z.enum(['stop', 'length', 'tool_calls', 'content_filter']),
      }),
    )
    .length(1),
  usage: usageChat,
});

export const anthropicMessageSchema = z.looseObject({
  id: nonEmpty,
  type: z.literal('message'),
  role: z.literal('assistant'),
  model: z.string(),
  content: z.array(
    z.union([
      z.strictObject({ type: z.literal('text'), text: z.string() }),
      z.strictObject({ type: z.literal('thinking'), thinking: z.string(), signature: z.string() }),
      anthropicToolUse,
    ]),
  ),
  stop_reason: z.enum(['end_turn', 'max_tokens', 'stop_sequence', 'tool_use', 'refusal', 'pause_turn']),
  stop_sequence: z.string().nullable(),
  usage: z.looseObject({ input_tokens: z.number().int().min(0), output_tokens: z.number().int().min(0) }),
});
