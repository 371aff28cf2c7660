import { connect } from 'node:net';

/**
 * HTTP/1.1 over a bare socket, for what fetch and node:http refuse to send: CR/LF inside a header
 * value, NUL and other control bytes, non-Latin-1 text as raw UTF-8. One request per connection
 * (`Connection: close`), the answer read until the server closes.
 */

export interface RawResponse {
  /** undefined when the server closed without a status line. */
  status: number | undefined;
  /** Header names lower-cased, in the order received (repeats kept). */
  headers: [string, string][];
  body: string;
}

export async function rawRequest(
  port: number,
  request: { method: string; path: string; headers: (string | Buffer)[]; body?: string },
): Promise<RawResponse> {
  const body = request.body === undefined ? undefined : Buffer.from(request.body, 'utf8');
  const head = Buffer.concat([
    Buffer.from(`${request.method} ${request.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n`),
    ...request.headers.map((line) => Buffer.concat([Buffer.from(line), Buffer.from('\r\n')])),
    Buffer.from(body === undefined ? '\r\n' : `Content-Length: ${body.length}\r\n\r\n`),
  ]);
  const received = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within 10 s to ${request.method} ${request.path}`));
    }, 10_000);
    socket.on('data', (chunk) => chunks.push(chunk));
    // The server may reset a connection it refused (bad request line or header); what arrived counts.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    socket.write(body === undefined ? head : Buffer.concat([head, body]));
  });
  return parseResponse(received);
}

function parseResponse(bytes: Buffer): RawResponse {
  const text = bytes.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  const headText = end === -1 ? text : text.slice(0, end);
  const [statusLine = '', ...lines] = headText.split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1];
  const headers = lines.map((line): [string, string] => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
  });
  let body = end === -1 ? '' : text.slice(end + 4);
  if (headers.some(([name, value]) => name === 'transfer-encoding' && /chunked/i.test(value)))
    body = dechunk(body);
  return {
    status: status === undefined ? undefined : Number(status),
    headers,
    body: Buffer.from(body, 'latin1').toString('utf8'),
  };
}

function dechunk(text: string): string {
  let out = '';
  let at = 0;
  while (at < text.length) {
    const lineEnd = text.indexOf('\r\n', at);
    if (lineEnd === -1) break;
    const size = Number.parseInt(text.slice(at, lineEnd), 16);
    if (!Number.isFinite(size) || size === 0) break;
    out += text.slice(lineEnd + 2, lineEnd + 2 + size);
    at = lineEnd + 2 + size + 2;
  }
  return out;
}

export function headerValues(response: RawResponse, name: string): string[] {
  return response.headers.filter(([n]) => n === name).map(([, value]) => value);
}

/**
 * One keep-alive connection used for several requests in turn, as a client's pool would: each
 * request is written whole (its body too, even if the server answered early), then its answer read
 * to the end. `send` rejects when the connection closes or stays silent instead of answering.
 */
export class KeepAliveConnection {
  private buffer = Buffer.alloc(0);
  private closed = false;
  private wake: (() => void) | undefined;

  private constructor(private readonly socket: ReturnType<typeof connect>) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.wake?.();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
  }

  static async open(port: number): Promise<KeepAliveConnection> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    return new KeepAliveConnection(socket);
  }

  async send(
    request: { method: string; path: string; headers: string[]; body?: Buffer; chunked?: boolean },
    timeoutMs = 5_000,
  ): Promise<RawResponse> {
    if (this.closed) throw new Error('the server closed the connection before this request');
    const framing =
      request.body === undefined
        ? []
        : request.chunked
          ? ['Transfer-Encoding: chunked']
          : [`Content-Length: ${request.body.length}`];
    const head = [
      `${request.method} ${request.path} HTTP/1.1`,
      'Host: 127.0.0.1',
      ...request.headers,
      ...framing,
    ];
    this.socket.write(`${head.join('\r\n')}\r\n\r\n`);
    if (request.body !== undefined) {
      if (!request.chunked) this.socket.write(request.body);
      else {
        for (let at = 0; at < request.body.length; at += 16 * 1024) {
          const piece = request.body.subarray(at, at + 16 * 1024);
          this.socket.write(`${piece.length.toString(16)}\r\n`);
          this.socket.write(piece);
          this.socket.write('\r\n');
        }
        this.socket.write('0\r\n\r\n');
      }
    }
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const complete = takeResponse(this.buffer);
      if (complete) {
        this.buffer = this.buffer.subarray(complete.length);
        return parseResponse(complete.bytes);
      }
      if (this.closed) throw new Error('the server closed the connection instead of answering');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no answer on the connection within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

/** The first complete response in `buffer` (Content-Length or chunked framing), if there is one. */
function takeResponse(buffer: Buffer): { bytes: Buffer; length: number } | undefined {
  const text = buffer.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  if (end === -1) return undefined;
  const head = text.slice(0, end);
  const bodyStart = end + 4;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1];
  if (length !== undefined) {
    const total = bodyStart + Number(length);
    return buffer.length >= total ? { bytes: buffer.subarray(0, total), length: total } : undefined;
  }
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
    const last = text.indexOf('\r\n0\r\n\r\n', bodyStart - 2);
    if (last === -1) return undefined;
    const total = last + 7;
    return { bytes: buffer.subarray(0, total), length: total };
  }
  return { bytes: buffer.subarray(0, bodyStart), length: bodyStart };
}
