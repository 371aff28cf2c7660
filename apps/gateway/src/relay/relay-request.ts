import { PublicError } from '../errors.ts';
import type { Endpoint } from '../upstream/endpoints.ts';

/** What the pipeline needs to know about a tenant request, read once from its JSON body. */
export type RelayRequest = {
  body: Record<string, unknown>;
  model: string;
  stream: boolean;
  /** The client asked for the usage chunk itself (OpenAI `stream_options.include_usage`). */
  clientWantsUsage: boolean;
  /** Characters of input text, for the usage estimator when an upstream reports none. */
  promptCharacters: number;
};

const fail = (param: string, message: string): never => {
  throw new PublicError('INVALID_REQUEST', message, { param });
};

/**
 * Checks the fields the gateway itself relies on (model, stream, message list) and leaves everything
 * else to the upstream, which knows its own API best and answers request errors that are passed through.
 */
export function readRelayRequest(
  endpoint: Endpoint,
  body: Record<string, unknown>,
  rawLength: number,
): RelayRequest {
  const { model } = body;
  if (typeof model !== 'string' || model.trim() === '' || model.length > 256) {
    fail('model', 'you must provide a model parameter (a non-empty string)');
  }
  const stream = body.stream ?? false;
  if (typeof stream !== 'boolean') fail('stream', 'stream must be a boolean');
  if (stream === true && !endpoint.streamable) fail('stream', `${endpoint.path} does not support streaming`);

  switch (endpoint.kind) {
    case 'chat':
    case 'messages':
    case 'count_tokens':
      if (!Array.isArray(body.messages) || body.messages.length === 0) {
        fail('messages', 'messages must be a non-empty array');
      }
      break;
    case 'embeddings':
      if (typeof body.input !== 'string' && !Array.isArray(body.input))
        fail('input', 'input must be a string or an array');
      break;
    case 'responses':
      break;
  }
  if (endpoint.kind === 'messages') {
    const maxTokens = body.max_tokens;
    if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) {
      fail('max_tokens', 'max_tokens must be a positive integer');
    }
  }
  const options = body.stream_options;
  const clientWantsUsage =
    typeof options === 'object' &&
    options !== null &&
    (options as { include_usage?: unknown }).include_usage === true;
  return {
    body,
    model: model as string,
    stream: stream === true,
    clientWantsUsage,
    // The raw body length is a cheap, stable proxy for the prompt's size (JSON syntax overhead included).
    promptCharacters: rawLength,
  };
}
