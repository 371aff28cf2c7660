import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export type SeenRequest = { method: string; path: string; idempotencyKey?: string; dropped: boolean };

/**
 * An HTTP proxy in front of a gateway that can lose answers: a request matching the armed rule is forwarded
 * and fully answered by the gateway (the write goes through), then the client's connection is cut instead
 * of relaying the answer. Every later request with the same Idempotency-Key (the client's retries, which the
 * gateway replays) is cut the same way, so the client ends with no answer at all: an `unknown` write.
 */
export class DroppingProxy {
  readonly seen: SeenRequest[] = [];
  #server: Server | undefined;
  #rule: { method: string; path: string } | undefined;
  #droppedKeys = new Set<string>();
  url = '';

  constructor(private readonly target: string) {}

  async start(): Promise<void> {
    const server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.#server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** Loses the answer of the next `method path` request (and of its retries). */
  dropNext(rule: { method: string; path: string }): void {
    this.#rule = rule;
  }

  /** Answers everything again. */
  heal(): void {
    this.#rule = undefined;
    this.#droppedKeys.clear();
  }

  /** Requests other than GET/HEAD seen since `from`. */
  writes(from = 0): SeenRequest[] {
    return this.seen.slice(from).filter((r) => r.method !== 'GET' && r.method !== 'HEAD');
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://proxy').pathname;
    const keyHeader = req.headers['idempotency-key'];
    const idempotencyKey = typeof keyHeader === 'string' ? keyHeader : undefined;
    let drop = false;
    if (idempotencyKey !== undefined && this.#droppedKeys.has(idempotencyKey)) drop = true;
    if (this.#rule !== undefined && this.#rule.method === method && this.#rule.path === path) {
      drop = true;
      this.#rule = undefined;
      if (idempotencyKey !== undefined) this.#droppedKeys.add(idempotencyKey);
    }
    this.seen.push({
      method,
      path,
      ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
      dropped: drop,
    });

    const target = new URL(req.url ?? '/', this.target);
    const upstream = request(target, {
      method,
      headers: { ...req.headers, host: target.host },
    });
    upstream.on('error', () => res.destroy());
    upstream.on('response', (answer) => {
      if (drop) {
        // Let the gateway finish (the write is committed), then cut the client off without an answer.
        answer.resume();
        answer.on('end', () => req.socket.destroy());
        return;
      }
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.end(Buffer.concat(chunks));
  }
}
