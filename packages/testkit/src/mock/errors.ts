import { type Flavour, type JsonReply, jsonReply } from './reply.ts';

/**
 * Error bodies in each provider's own envelope, so the gateway's error mapping is tested against
 * the shapes real upstreams send: OpenAI `{"error":{message,type,param,code}}`, Anthropic
 * `{"type":"error","error":{type,message}}`.
 */

interface ErrorKind {
  readonly openaiType: string;
  readonly openaiCode: string | null;
  readonly anthropicType: string;
  readonly message: string;
}

const KINDS: Readonly<Record<number, ErrorKind>> = {
  400: {
    openaiType: 'invalid_request_error',
    openaiCode: null,
    anthropicType: 'invalid_request_error',
    message: 'Invalid request.',
  },
  401: {
    openaiType: 'invalid_request_error',
    openaiCode: 'invalid_api_key',
    anthropicType: 'authentication_error',
    message: 'Incorrect API key provided.',
  },
  404: {
    openaiType: 'invalid_request_error',
    openaiCode: 'unknown_url',
    anthropicType: 'not_found_error',
    message: 'Unknown request URL.',
  },
  429: {
    openaiType: 'requests',
    openaiCode: 'rate_limit_exceeded',
    anthropicType: 'rate_limit_error',
    message: 'Rate limit reached for requests.',
  },
  500: {
    openaiType: 'server_error',
    openaiCode: null,
    anthropicType: 'api_error',
    message: 'The server had an error while processing your request.',
  },
  502: { openaiType: 'server_error', openaiCode: null, anthropicType: 'api_error', message: 'Bad gateway.' },
  503: {
    openaiType: 'server_error',
    openaiCode: 'service_unavailable',
    anthropicType: 'api_error',
    message: 'The server is temporarily unavailable.',
  },
  529: {
    openaiType: 'server_error',
    openaiCode: 'overloaded',
    anthropicType: 'overloaded_error',
    message: 'Overloaded',
  },
};

const FALLBACK = KINDS[500] as ErrorKind;

export function errorBody(flavour: Flavour, status: number, message?: string): string {
  const kind = KINDS[status] ?? FALLBACK;
  const text = message ?? kind.message;
  return flavour === 'openai'
    ? JSON.stringify({ error: { message: text, type: kind.openaiType, param: null, code: kind.openaiCode } })
    : JSON.stringify({ type: 'error', error: { type: kind.anthropicType, message: text } });
}

const cache = new Map<string, Buffer>();

/** A provider-shaped error reply; bodies with the default message are built once and reused. */
export function errorReply(
  flavour: Flavour,
  status: number,
  message?: string,
  headers?: Record<string, string>,
): JsonReply {
  if (message !== undefined) return jsonReply(status, errorBody(flavour, status, message), headers);
  const key = `${flavour}:${status}`;
  let body = cache.get(key);
  if (body === undefined) {
    body = Buffer.from(errorBody(flavour, status));
    cache.set(key, body);
  }
  return jsonReply(status, body, headers);
}
