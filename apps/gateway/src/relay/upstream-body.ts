import type { Endpoint } from '../upstream/endpoints.ts';
import type { RelayRequest } from './relay-request.ts';

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
