import type { ServerResponse } from 'node:http';
import type { JsonReply, MockReply, SseReply } from './reply.ts';

/** Writers for a mock reply: whole, or deliberately broken for the socket-level faults. */

const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };

function writeJsonHead(res: ServerResponse, reply: JsonReply, length: number): void {
  res.writeHead(reply.status, {
    'content-type': 'application/json',
    'content-length': length,
    ...reply.headers,
  });
}

export function sendReply(res: ServerResponse, reply: MockReply): void {
  if (reply.kind === 'json') {
    writeJsonHead(res, reply, Buffer.byteLength(reply.body));
    res.end(reply.body);
    return;
  }
  res.writeHead(200, SSE_HEADERS);
  // One write for the whole stream: the client still sees separate SSE events, with one syscall.
  res.end(reply.events.join(''));
}

export function sendTextReply(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Writes `data` after the headers, then closes the connection once it is flushed (never ends the body). */
function writeThenClose(res: ServerResponse, data: string | Buffer): void {
  res.write(data, () => res.socket?.destroy());
}

/** Headers plus half of the body (or of the first stream event), then the socket closes. */
export function sendResetMidBody(res: ServerResponse, reply: MockReply): void {
  if (reply.kind === 'json') {
    const body = typeof reply.body === 'string' ? Buffer.from(reply.body) : reply.body;
    writeJsonHead(res, reply, body.length);
    writeThenClose(res, body.subarray(0, Math.max(1, body.length >> 1)));
    return;
  }
  const first = reply.events[0] ?? '';
  res.writeHead(200, SSE_HEADERS);
  writeThenClose(res, first.slice(0, Math.max(1, first.length >> 1)));
}

/** The first `afterEvents` events of a stream, then the socket closes (no terminating event or chunk). */
export function sendStreamCut(res: ServerResponse, reply: MockReply, afterEvents: number): void {
  if (reply.kind === 'json') {
    sendResetMidBody(res, reply);
    return;
  }
  res.writeHead(200, SSE_HEADERS);
  const kept = Math.min(afterEvents, reply.events.length - 1);
  if (kept <= 0) {
    // Headers only: end() (not destroy) lets the queued header bytes out before the FIN.
    res.flushHeaders();
    res.socket?.end();
    return;
  }
  writeThenClose(res, reply.events.slice(0, kept).join(''));
}

/**
 * A stream sent one event at a time, `intervalMs` apart. `schedule` registers each timer with the
 * owner so close()/stop() and a client disconnect cancel the rest.
 */
export function sendSlowStream(
  res: ServerResponse,
  reply: SseReply,
  intervalMs: number,
  schedule: (next: () => void, ms: number) => void,
  done: () => void,
): void {
  res.writeHead(200, SSE_HEADERS);
  let i = 0;
  const step = (): void => {
    const event = reply.events[i++];
    if (event === undefined || res.destroyed) {
      res.end();
      done();
      return;
    }
    res.write(event);
    schedule(step, intervalMs);
  };
  step();
}
