import type { IncomingHttpHeaders } from 'node:http';
import { estimatePromptTokens, lastUserText } from './content.ts';
import { errorReply } from './errors.ts';
import { type Flavour, jsonReply, type MockReply } from './reply.ts';
import type { Turn } from './turn.ts';
import { countTokensReply, messageReply, messageStream } from './wire-anthropic.ts';
import {
  chatCompletionReply,
  chatCompletionStream,
  embeddingsReply,
  responsesReply,
  responsesStream,
} from './wire-openai.ts';
import {
  chatToolCallReply,
  chatToolCallStream,
  messageToolUseReply,
  messageToolUseStream,
  toolToCall,
} from './wire-tools.ts';

/** The request as a route sees it: the JSON body when it is an object, else null. */
export interface RouteRequest {
  readonly headers: IncomingHttpHeaders;
  readonly body: Readonly<Record<string, unknown>> | null;
}

/** Per-instance services a route uses. */
export interface RouteEnv {
  turn(model: string, lastUserText: string, promptTokens: number): Turn;
  readonly openaiModelsBody: Buffer;
  readonly anthropicModelsBody: Buffer;
}

export interface MockRoute {
  /** Error envelope and auth style: `anthropic` routes also accept `x-api-key`. */
  flavour(headers: IncomingHttpHeaders): Flavour;
  handle(req: RouteRequest, env: RouteEnv): MockReply;
}

const openai = (): Flavour => 'openai';
const anthropic = (): Flavour => 'anthropic';

function invalid(flavour: Flavour, message: string): MockReply {
  return errorReply(flavour, 400, message);
}

/** Validates the JSON object body and its `model`; returns them or the 400 to send. */
function modelRequest(
  req: RouteRequest,
  flavour: Flavour,
): { body: Readonly<Record<string, unknown>>; model: string } | MockReply {
  const body = req.body;
  if (body === null) return invalid(flavour, 'The request body must be a JSON object.');
  if (typeof body.model !== 'string' || body.model === '') {
    return invalid(flavour, 'model: a non-empty string is required.');
  }
  return { body, model: body.model };
}

function isReply(value: object): value is MockReply {
  return 'kind' in value;
}

function wantsUsage(body: Readonly<Record<string, unknown>>): boolean {
  const opts = body.stream_options;
  return (
    opts !== null && typeof opts === 'object' && (opts as { include_usage?: unknown }).include_usage === true
  );
}

function embeddingInputCount(input: unknown): number {
  if (typeof input === 'string') return 1;
  if (!Array.isArray(input) || input.length === 0) return 0;
  // An array of numbers is one tokenised input; otherwise one embedding per element.
  return typeof input[0] === 'number' ? 1 : input.length;
}

const chatCompletions: MockRoute = {
  flavour: openai,
  handle(req, env) {
    const r = modelRequest(req, 'openai');
    if (isReply(r)) return r;
    const messages = r.body.messages;
    if (!Array.isArray(messages)) return invalid('openai', 'messages: an array is required.');
    const userText = lastUserText(messages);
    const turn = env.turn(r.model, userText, estimatePromptTokens([messages]));
    const call = toolToCall(r.body, userText, turn.id);
    if (call !== undefined) {
      return r.body.stream === true
        ? chatToolCallStream(turn, call, wantsUsage(r.body))
        : chatToolCallReply(turn, call);
    }
    return r.body.stream === true
      ? chatCompletionStream(turn, wantsUsage(r.body))
      : chatCompletionReply(turn);
  },
};

const embeddings: MockRoute = {
  flavour: openai,
  handle(req, env) {
    const r = modelRequest(req, 'openai');
    if (isReply(r)) return r;
    const count = embeddingInputCount(r.body.input);
    if (count === 0) return invalid('openai', 'input: a string or a non-empty array is required.');
    const turn = env.turn(r.model, '', estimatePromptTokens([r.body.input]));
    return embeddingsReply(turn, count, r.body.encoding_format === 'base64');
  },
};

const responses: MockRoute = {
  flavour: openai,
  handle(req, env) {
    const r = modelRequest(req, 'openai');
    if (isReply(r)) return r;
    const input = r.body.input;
    const turn = env.turn(r.model, lastUserText(input), estimatePromptTokens([r.body.instructions, input]));
    return r.body.stream === true ? responsesStream(turn) : responsesReply(turn);
  },
};

const messages: MockRoute = {
  flavour: anthropic,
  handle(req, env) {
    const r = modelRequest(req, 'anthropic');
    if (isReply(r)) return r;
    const msgs = r.body.messages;
    if (!Array.isArray(msgs)) return invalid('anthropic', 'messages: Field required');
    const userText = lastUserText(msgs);
    const turn = env.turn(r.model, userText, estimatePromptTokens([r.body.system, msgs]));
    const call = toolToCall(r.body, userText, turn.id);
    if (call !== undefined) {
      return r.body.stream === true ? messageToolUseStream(turn, call) : messageToolUseReply(turn, call);
    }
    return r.body.stream === true ? messageStream(turn) : messageReply(turn);
  },
};

const countTokens: MockRoute = {
  flavour: anthropic,
  handle(req) {
    const r = modelRequest(req, 'anthropic');
    if (isReply(r)) return r;
    if (!Array.isArray(r.body.messages)) return invalid('anthropic', 'messages: Field required');
    return countTokensReply(estimatePromptTokens([r.body.system, r.body.messages]));
  },
};

/** `GET /v1/models` answers the Anthropic listing (and accepts x-api-key) when `anthropic-version` is sent. */
const models: MockRoute = {
  flavour: (headers) => (headers['anthropic-version'] === undefined ? 'openai' : 'anthropic'),
  handle(req, env) {
    const body =
      req.headers['anthropic-version'] === undefined ? env.openaiModelsBody : env.anthropicModelsBody;
    return jsonReply(200, body);
  },
};

/** Routes keyed by `METHOD path`. */
export const MOCK_ROUTES: ReadonlyMap<string, MockRoute> = new Map([
  ['GET /v1/models', models],
  ['POST /v1/chat/completions', chatCompletions],
  ['POST /v1/embeddings', embeddings],
  ['POST /v1/responses', responses],
  ['POST /v1/messages', messages],
  ['POST /v1/messages/count_tokens', countTokens],
]);

/** Error envelope for paths the mock does not serve. */
export function flavourOfPath(path: string): Flavour {
  return path.startsWith('/v1/messages') ? 'anthropic' : 'openai';
}
