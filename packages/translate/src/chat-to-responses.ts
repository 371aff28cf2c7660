import { asArray, asString, isObject, type JsonObject } from './json.ts';
import { responsesUsageOf } from './usage-mapping.ts';

/** The request fields a Responses object echoes back. */
export type ResponsesEcho = {
  model: string;
  instructions: unknown;
  tools: unknown;
  toolChoice: unknown;
  temperature: unknown;
  topP: unknown;
  maxOutputTokens: unknown;
  parallelToolCalls: unknown;
};

export function responsesEchoOf(body: JsonObject): ResponsesEcho {
  return {
    model: asString(body.model) ?? '',
    instructions: body.instructions ?? null,
    tools: asArray(body.tools),
    toolChoice: body.tool_choice ?? 'auto',
    temperature: body.temperature ?? 1,
    topP: body.top_p ?? 1,
    maxOutputTokens: body.max_output_tokens ?? null,
    parallelToolCalls: body.parallel_tool_calls ?? true,
  };
}

/** A Responses object around `output` (shared by the plain answer and the streamed events). */
export function responseObject(
  id: string,
  createdAt: number,
  echo: ResponsesEcho,
  state: {
    status: string;
    output: JsonObject[];
    usage: JsonObject | null;
    incomplete: boolean;
    model?: string;
  },
): JsonObject {
  return {
    id,
    object: 'response',
    created_at: createdAt,
    status: state.status,
    error: null,
    incomplete_details: state.incomplete ? { reason: 'max_output_tokens' } : null,
    instructions: echo.instructions,
    max_output_tokens: echo.maxOutputTokens,
    model: state.model ?? echo.model,
    output: state.output,
    parallel_tool_calls: echo.parallelToolCalls,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: false,
    temperature: echo.temperature,
    text: { format: { type: 'text' } },
    tool_choice: echo.toolChoice,
    tools: echo.tools,
    top_p: echo.topP,
    truncation: 'disabled',
    usage: state.usage,
    metadata: {},
  };
}

export const messageItemId = (id: string) => `msg_${id}`;
export const functionItemId = (callId: string) => `fc_${callId}`;

/** A chat completion as a Responses API response (the request is needed for the fields it echoes). */
export function chatToResponsesResponse(completion: JsonObject, request: JsonObject): JsonObject {
  const choice = asArray(completion.choices).find(isObject) ?? {};
  const message = isObject(choice.message) ? choice.message : {};
  const id = asString(completion.id) ?? 'relay';
  const output: JsonObject[] = [];
  const text = asString(message.content);
  if (text !== undefined && text !== '') {
    output.push({
      id: messageItemId(id),
      type: 'message',
      status: 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', text, annotations: [], logprobs: [] }],
    });
  }
  for (const call of asArray(message.tool_calls)) {
    if (!isObject(call) || !isObject(call.function)) continue;
    const callId = asString(call.id) ?? '';
    output.push({
      id: functionItemId(callId),
      type: 'function_call',
      status: 'completed',
      call_id: callId,
      name: asString(call.function.name) ?? '',
      arguments: asString(call.function.arguments) ?? '',
    });
  }
  const incomplete = choice.finish_reason === 'length';
  return responseObject(
    `resp_${id}`,
    typeof completion.created === 'number' ? completion.created : Math.floor(Date.now() / 1000),
    responsesEchoOf(request),
    {
      status: incomplete ? 'incomplete' : 'completed',
      output,
      usage: responsesUsageOf(completion.usage),
      incomplete,
      model: asString(completion.model),
    },
  );
}
