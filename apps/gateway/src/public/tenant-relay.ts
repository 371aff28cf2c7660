import type { IncomingMessage, ServerResponse } from 'node:http';
import { PublicError } from '../errors.ts';
import { type FailureThrottle, peerAddress } from '../http/failure-throttle.ts';
import type { RelayOutcome, RelayPipeline } from '../relay/relay-pipeline.ts';
import type { TenantDirectory } from '../relay/tenant-directory.ts';
import type { Endpoint } from '../upstream/endpoints.ts';
import { apiKeyFromRequest, type KeyHeaders } from './api-key.ts';

export type PublicRouteDeps = {
  relay: RelayPipeline;
  directory: TenantDirectory;
  /** Unknown keys per client address before 429 AUTH_THROTTLED; absent = not throttled. */
  keyThrottle?: FailureThrottle;
};

export function unknownKeyError(): PublicError {
  return new PublicError('INVALID_API_KEY', 'Incorrect API key provided.');
}

/**
 * Key guessing: an address that presented too many unknown keys is refused any key this gateway has
 * not already loaded (no database lookup, nothing learned) until its window passes; keys in use keep
 * working, so one bad client behind a shared address does not cut off the others.
 */
function refuseIfGuessing(deps: PublicRouteDeps | undefined, address: string, secret: string): void {
  const throttle = deps?.keyThrottle;
  if (throttle === undefined) return;
  const waitMs = throttle.retryAfterMs(address);
  if (waitMs > 0 && !deps?.directory.knows(secret)) {
    throw new PublicError('AUTH_THROTTLED', 'Too many invalid API keys from this address; retry later.', {
      retryAfterSeconds: waitMs / 1000,
    });
  }
}

export function noteIfUnknown(deps: PublicRouteDeps | undefined, address: string, error: unknown): void {
  if (error instanceof PublicError && error.code === 'INVALID_API_KEY')
    deps?.keyThrottle?.recordFailure(address);
}

/** The key of a tenant request (headers only, never the query), unless its address is guessing keys. */
export function tenantSecret(
  deps: PublicRouteDeps | undefined,
  key: KeyHeaders,
  query: string,
  address: string,
): string {
  const secret = apiKeyFromRequest(key, query);
  refuseIfGuessing(deps, address, secret);
  return secret;
}

/**
 * One relayed tenant request, whichever way it arrived (the Hono route or the fast path), after
 * `tenantSecret`: the relay writes the answer to the socket; errors before anything was written are
 * thrown for the caller's error answer, an unknown key counted against the client's address.
 */
export async function relayTenantRequest(
  deps: PublicRouteDeps,
  endpoint: Endpoint,
  secret: string,
  incoming: IncomingMessage,
  outgoing: ServerResponse,
  requestId: string,
): Promise<RelayOutcome> {
  try {
    return await deps.relay.handle(endpoint, secret, incoming, outgoing, requestId);
  } catch (error) {
    noteIfUnknown(deps, peerAddress(incoming), error);
    throw error;
  }
}
