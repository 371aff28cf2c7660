import type { IncomingMessage } from 'node:http';
import { PublicError } from '../errors.ts';

/**
 * Reads a request body straight from the socket, enforcing the size limit while reading (a missing or
 * lying Content-Length cannot get past it) and without a copy per chunk for the common one-chunk case.
 */
export async function readBody(incoming: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(incoming.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) {
    throw new PublicError('REQUEST_TOO_LARGE', `request body exceeds ${limitBytes} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  // Leaving the loop early must not destroy the request: the rest of the body is then discarded as it
  // arrives, so the 413 reaches the client and its keep-alive connection stays usable.
  for await (const chunk of incoming.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) {
      incoming.resume();
      throw new PublicError('REQUEST_TOO_LARGE', `request body exceeds ${limitBytes} bytes`);
    }
    chunks.push(chunk);
  }
  return chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks, size);
}

/** The JSON object of a request body, or the documented 400. */
export function parseJsonObject(body: Buffer): Record<string, unknown> {
  if (body.length === 0)
    throw new PublicError('INVALID_REQUEST', 'request body is empty; send a JSON object');
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new PublicError('INVALID_REQUEST', 'request body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PublicError('INVALID_REQUEST', 'request body must be a JSON object');
  }
  return value as Record<string, unknown>;
}
