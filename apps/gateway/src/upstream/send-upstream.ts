import type { EventEmitter } from 'node:events';
import type { Dispatcher } from 'undici';
import { ANTHROPIC_VERSION } from './credential-headers.ts';
import type { Endpoint } from './endpoints.ts';
import type { UpstreamPools } from './upstream-pools.ts';
import type { UpstreamTarget } from './upstream-target.ts';

/** Client headers an upstream may need and that are safe to forward verbatim. */
const FORWARDED_HEADERS = ['anthropic-version', 'anthropic-beta', 'openai-beta', 'accept'] as const;

/** The headers of one attempt: ours, the forwarded client headers, then the account's credential. */
export function upstreamHeaders(
  target: UpstreamTarget,
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
  if (target.authStyle === 'x-api-key') {
    headers['x-api-key'] = target.authValue;
    headers['anthropic-version'] ??= ANTHROPIC_VERSION;
  } else {
    headers.authorization = target.authValue;
  }
  return headers;
}

/** Sends one attempt; resolves when the upstream's status and headers arrive (the body is still a stream). */
export function sendUpstream(options: {
  pools: UpstreamPools;
  target: UpstreamTarget;
  endpoint: Endpoint;
  body: Buffer;
  headers: Record<string, string>;
  timeoutMs: number;
  /** Aborts the attempt: an AbortSignal or an EventEmitter with `aborted` (what undici accepts). */
  signal: AbortSignal | (EventEmitter & { aborted: boolean });
}): Promise<Dispatcher.ResponseData> {
  const { pools, target, endpoint, body, headers, timeoutMs, signal } = options;
  return pools.forOrigin(target.origin).request({
    method: 'POST',
    path: target.paths[endpoint.kind],
    headers,
    body,
    signal,
    // Time to the first byte (headers), then the longest silence allowed between body chunks.
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
}
