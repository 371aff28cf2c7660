import type { IncomingMessage } from 'node:http';
import { PublicError } from '../errors.ts';
import { MAX_JSON_DEPTH, nestedDeeperThan } from './json-depth.ts';

/** How a request body must arrive: its size limit and the slowest pace the gateway waits for. */
export type BodyRules = {
  limitBytes: number;
  /** Time a body may take before any rate applies (slow starts, small bodies on a bad link). */
  graceMs: number;
  /**
   * After the grace, a body must have arrived at this average rate: at `graceMs + t` at least
   * `t × minBytesPerSecond` bytes. A client that trickles slower gets 408 and the connection closes,
   * so a slow sender cannot hold a connection (or anything the request took) indefinitely.
   */
  minBytesPerSecond: number;
};

/**
 * Reads a request body straight from the socket, enforcing the size limit while reading (a missing or
 * lying Content-Length cannot get past it), the minimum pace (`BodyRules`), and without a copy per chunk
 * for the common one-chunk case.
 */
export function readBody(incoming: IncomingMessage, rules: BodyRules): Promise<Buffer> {
  const { limitBytes, graceMs, minBytesPerSecond } = rules;
  const declared = Number(incoming.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) {
    return Promise.reject(new PublicError('REQUEST_TOO_LARGE', `request body exceeds ${limitBytes} bytes`));
  }
  // Nothing left to read ('end' will not fire again): an empty body, answered as such.
  if (incoming.readableEnded) return Promise.resolve(Buffer.alloc(0));
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const started = Date.now();
    const allowedMs = () => graceMs + (size * 1000) / minBytesPerSecond;
    let timer: NodeJS.Timeout | undefined;
    const stop = () => {
      clearTimeout(timer);
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
    };
    const checkPace = () => {
      const elapsed = Date.now() - started;
      if (elapsed < allowedMs()) {
        timer = setTimeout(checkPace, allowedMs() - elapsed);
        return;
      }
      stop();
      reject(
        new PublicError(
          'REQUEST_TIMEOUT',
          `request body arrived slower than ${minBytesPerSecond} bytes/s after ${graceMs} ms; send it faster`,
          { closeConnection: true },
        ),
      );
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        stop();
        // The rest of the body is discarded as it arrives, so the 413 reaches the client and its
        // keep-alive connection stays usable.
        incoming.resume();
        reject(new PublicError('REQUEST_TOO_LARGE', `request body exceeds ${limitBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      resolve(chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      stop();
      reject(error);
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
    timer = setTimeout(checkPace, allowedMs());
  });
}

/** The JSON object of a request body, or the documented 400. */
export function parseJsonObject(body: Buffer): Record<string, unknown> {
  if (body.length === 0)
    throw new PublicError('INVALID_REQUEST', 'request body is empty; send a JSON object');
  // Checked before parsing: the value is later hashed and re-serialised by recursive code.
  if (nestedDeeperThan(body, MAX_JSON_DEPTH)) {
    throw new PublicError(
      'INVALID_REQUEST',
      `request body nests arrays or objects deeper than ${MAX_JSON_DEPTH} levels`,
    );
  }
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
