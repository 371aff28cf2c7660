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
  const sameModel = upstreamModel === request.model;
  if (sameModel && !askUsage) return raw;
  // The usual chat stream: the client sent no stream_options at all, so the member is added to its
  // own bytes instead of re-serialising the whole body (1 KB: 1.2 vs 4.1 µs in a micro-benchmark,
  // 10-18 µs for the re-serialisation in the running gateway).
  if (sameModel && request.body.stream_options === undefined) {
    const spliced = withLeadingMember(raw, ASK_USAGE_MEMBER);
    if (spliced !== undefined) return spliced;
  }
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

const ASK_USAGE_MEMBER = '"stream_options":{"include_usage":true}';

/** JSON whitespace (RFC 8259): space, tab, line feed, carriage return. */
const isJsonSpace = (byte: number | undefined): boolean =>
  byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;

/**
 * `raw` (a JSON object that does not contain `member`'s key) with `member` added as its first member,
 * or undefined when the bytes do not start with `{` after whitespace (then the caller re-serialises).
 */
export function withLeadingMember(raw: Buffer, member: string): Buffer | undefined {
  let open = 0;
  while (isJsonSpace(raw[open])) open += 1;
  if (raw[open] !== 0x7b) return undefined;
  let next = open + 1;
  while (isJsonSpace(raw[next])) next += 1;
  const empty = raw[next] === 0x7d;
  return Buffer.concat([
    raw.subarray(0, open + 1),
    Buffer.from(empty ? member : `${member},`, 'utf8'),
    raw.subarray(open + 1),
  ]);
}
