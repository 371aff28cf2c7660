import type { Dispatcher } from 'undici';
import type { Endpoint } from './endpoints.ts';
import { upstreamPathFor } from './endpoints.ts';
import type { RelayRequest } from './relay-request.ts';
import type { RoutableAccount } from './tenant-directory.ts';
import type { UpstreamPools } from './upstream-pools.ts';

export const ANTHROPIC_VERSION = '2023-06-01';

/** Client headers an upstream may need and that are safe to forward verbatim. */
const FORWARDED_HEADERS = ['anthropic-version', 'anthropic-beta', 'openai-beta', 'accept'] as const;

/**
 * The body sent upstream: the client's bytes untouched unless the gateway must change something —
 * the model id (mapping) or, for chat streams, asking for the usage chunk so billing is exact.
 */
export function upstreamBody(
  endpoint: Endpoint,
  request: RelayRequest,
  raw: Buffer,
  upstreamModel: string,
): Buffer {
  const askUsage = endpoint.kind === 'chat' && request.stream && !request.clientWantsUsage;
  if (upstreamModel === request.model && !askUsage) return raw;
  const body: Record<string, unknown> = { ...request.body, model: upstreamModel };
  if (askUsage) {
    const options = request.body.stream_options;
    body.stream_options = {
      ...(typeof options === 'object' && options !== null ? options : {}),
      include_usage: true,
    };
  }
  return Buffer.from(JSON.stringify(body), 'utf8');
}

export function upstreamHeaders(
  account: RoutableAccount,
  clientHeaders: Readonly<Record<string, string | string[] | undefined>>,
  requestId: string,
  contentLength: number,
): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'content-length': String(contentLength),
    'x-request-id': requestId,
  };
  for (const name of FORWARDED_HEADERS) {
    const value = clientHeaders[name];
    if (typeof value === 'string') headers[name] = value;
  }
  return Object.assign(headers, credentialHeaders(account.row.authStyle, account.credential, headers));
}

/**
 * How an account presents its credential upstream (shared by the relay and the admin account test).
 * Anthropic-style accounts also need an API version; a client's own `anthropic-version` wins.
 */
export function credentialHeaders(
  authStyle: 'bearer' | 'x-api-key',
  credential: string,
  existing: Readonly<Record<string, string>> = {},
): Record<string, string> {
  if (authStyle === 'x-api-key') {
    return {
      'x-api-key': credential,
      'anthropic-version': existing['anthropic-version'] ?? ANTHROPIC_VERSION,
    };
  }
  return { authorization: `Bearer ${credential}` };
}

/** Sends one attempt; resolves when the upstream's status and headers arrive (the body is still a stream). */
export function sendUpstream(options: {
  pools: UpstreamPools;
  account: RoutableAccount;
  endpoint: Endpoint;
  body: Buffer;
  headers: Record<string, string>;
  timeoutMs: number;
  signal: AbortSignal;
}): Promise<Dispatcher.ResponseData> {
  const { pools, account, endpoint, body, headers, timeoutMs, signal } = options;
  return pools.forOrigin(account.origin).request({
    method: 'POST',
    path: upstreamPathFor(endpoint, account.basePath),
    headers,
    body,
    signal,
    // Time to the first byte (headers), then the longest silence allowed between body chunks.
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
}
