/** The tenant routes that relay to an upstream, and what each one needs (gateway.md §3). */
export type EndpointKind = 'chat' | 'embeddings' | 'responses' | 'messages' | 'count_tokens';

export type Endpoint = {
  kind: EndpointKind;
  /** Public path, also the usage event's `endpoint`. */
  path: string;
  /** Platform a group must have to use this route. */
  platform: 'openai' | 'anthropic';
  /** Path after the version prefix, appended to the account's base URL. */
  upstreamPath: string;
  streamable: boolean;
  /** Whether the request needs a schedulable account slot and a usage event (count_tokens does not bill). */
  billable: boolean;
};

export const ENDPOINTS = {
  chat: {
    kind: 'chat',
    path: '/v1/chat/completions',
    platform: 'openai',
    upstreamPath: '/chat/completions',
    streamable: true,
    billable: true,
  },
  embeddings: {
    kind: 'embeddings',
    path: '/v1/embeddings',
    platform: 'openai',
    upstreamPath: '/embeddings',
    streamable: false,
    billable: true,
  },
  responses: {
    kind: 'responses',
    path: '/v1/responses',
    platform: 'openai',
    upstreamPath: '/responses',
    streamable: true,
    billable: true,
  },
  messages: {
    kind: 'messages',
    path: '/v1/messages',
    platform: 'anthropic',
    upstreamPath: '/messages',
    streamable: true,
    billable: true,
  },
  count_tokens: {
    kind: 'count_tokens',
    path: '/v1/messages/count_tokens',
    platform: 'anthropic',
    upstreamPath: '/messages/count_tokens',
    streamable: false,
    billable: false,
  },
} as const satisfies Record<EndpointKind, Endpoint>;

/**
 * The upstream request path for an account. OpenAI-style base URLs carry their version
 * (`https://api.deepseek.com/v1`, `…/api/paas/v4`); Anthropic-style ones do not (`https://api.anthropic.com`),
 * matching what each official SDK expects as its base URL.
 */
export function upstreamPathFor(endpoint: Endpoint, basePath: string): string {
  if (endpoint.platform === 'anthropic' && !/\/v\d+$/.test(basePath))
    return `${basePath}/v1${endpoint.upstreamPath}`;
  return `${basePath}${endpoint.upstreamPath}`;
}
