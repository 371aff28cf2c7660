import type { IncomingMessage, ServerResponse } from 'node:http';

const DISCARD_TIMEOUT_MS = 500;
const MAX_DISCARD_BYTES = 64 * 1024 * 1024;

/**
 * For an answer given before the request body was read (a refused key, a draining gateway): once the
 * answer is out, the rest of the body is read and dropped so the keep-alive connection can serve the
 * next request, but for at most 500 ms and 64 MiB, after which the connection is closed. The same
 * bounds as @hono/node-server's clean-up of the requests Hono answers.
 */
export function discardBodyAfter(incoming: IncomingMessage, outgoing: ServerResponse): void {
  if (incoming.readableEnded) return;
  outgoing.once('close', () => {
    if (incoming.readableEnded || incoming.destroyed) return;
    let bytes = 0;
    const stop = () => {
      clearTimeout(timer);
      incoming.off('data', onData);
      incoming.off('end', stop);
      incoming.off('error', stop);
    };
    const cut = () => {
      stop();
      incoming.socket?.destroySoon();
    };
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > MAX_DISCARD_BYTES) cut();
    };
    const timer = setTimeout(cut, DISCARD_TIMEOUT_MS);
    timer.unref();
    incoming.on('data', onData);
    incoming.on('end', stop);
    incoming.on('error', stop);
    incoming.resume();
  });
}
