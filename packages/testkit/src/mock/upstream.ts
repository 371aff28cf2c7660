import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { chooseAnswer } from './content.ts';
import { errorReply } from './errors.ts';
import { FaultSwitch, faultStatus, type MockFault } from './faults.ts';
import { HeldResponses } from './held-responses.ts';
import type { Flavour, MockReply } from './reply.ts';
import { flavourOfPath, MOCK_ROUTES, type MockRoute, type RouteEnv } from './routes.ts';
import { sendReply, sendResetMidBody, sendSlowStream, sendStreamCut, sendTextReply } from './send.ts';
import { anthropicModelListBody } from './wire-anthropic.ts';
import { modelListBody } from './wire-openai.ts';

export const DEFAULT_MOCK_API_KEY = 'sk-mock-upstream';

export const DEFAULT_MOCK_MODELS: readonly string[] = [
  'gpt-4o-mini',
  'gpt-4o',
  'gpt-4.1-mini',
  'text-embedding-3-small',
  'claude-3-5-haiku-latest',
  'claude-sonnet-4-5',
  'mock-model',
];

export interface MockUpstreamOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  readonly host?: string;
  /** The credential the mock accepts (default `sk-mock-upstream`). */
  readonly apiKey?: string;
  /** More credentials the mock accepts besides `apiKey` (many upstream keys in one import, say). */
  readonly extraApiKeys?: readonly string[];
  /** Added before every API response (default 0: answered in the same tick the body arrives). */
  readonly latencyMs?: number;
  /** What `GET /v1/models` lists (the chat routes answer any model). */
  readonly models?: readonly string[];
  /** Size of the `lastRequests` ring buffer (default 16). */
  readonly recordLimit?: number;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The parsed JSON body, or null (no body, or not JSON). */
  readonly body: unknown;
}

export interface MockCounts {
  readonly total: number;
  readonly byPath: Record<string, number>;
}

export interface MockUpstream {
  /** `http://host:port`, without a trailing slash. */
  readonly url: string;
  readonly port: number;
  readonly apiKey: string;
  /** Sets (or with null clears) the fault applied to the next API requests. */
  setFault(fault: MockFault | null): void;
  /** The fault in force (null once cleared or once its `times` are used up). */
  readonly fault: MockFault | null;
  /** Requests received on API paths (not `/healthz`), including faulted and rejected ones. */
  counts(): MockCounts;
  /** Zeroes the counts and empties `lastRequests`. */
  resetCounts(): void;
  /** The most recent API requests, oldest first. */
  readonly lastRequests: readonly RecordedRequest[];
  /** Responses the mock is holding open right now (hang, delays, slow streams). */
  pendingResponses(): number;
  /** Stops listening and drops every connection; the port is kept for restart(). */
  stop(): Promise<void>;
  /** Listens again on the same port after stop(). */
  restart(): Promise<void>;
  /** Stops for good. */
  close(): Promise<void>;
}

const MODELS_CREATED = 1_700_000_000;
const MODELS_CREATED_AT = '2025-01-01T00:00:00Z';

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function formatUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** An in-process OpenAI- and Anthropic-compatible upstream with switchable faults. */
export async function startMockUpstream(opts: MockUpstreamOptions = {}): Promise<MockUpstream> {
  const host = opts.host ?? '127.0.0.1';
  const apiKey = opts.apiKey ?? DEFAULT_MOCK_API_KEY;
  const latencyMs = opts.latencyMs ?? 0;
  const recordLimit = opts.recordLimit ?? 16;
  const models = opts.models ?? DEFAULT_MOCK_MODELS;
  const bearer = `Bearer ${apiKey}`;
  const extraKeys = new Set(opts.extraApiKeys ?? []);

  const faults = new FaultSwitch();
  const held = new HeldResponses();
  let total = 0;
  let byPath = new Map<string, number>();
  let ring: RecordedRequest[] = [];
  let ringNext = 0;
  let turnSeq = 0;

  const env: RouteEnv = {
    turn: (model, userText, promptTokens) => ({
      id: ++turnSeq,
      created: Math.floor(Date.now() / 1000),
      modelJson: JSON.stringify(model),
      answer: chooseAnswer(userText),
      promptTokens,
    }),
    openaiModelsBody: modelListBody(models, MODELS_CREATED),
    anthropicModelsBody: anthropicModelListBody(models, MODELS_CREATED_AT),
  };

  function authorized(headers: IncomingHttpHeaders, flavour: Flavour): boolean {
    const auth = headers.authorization;
    if (auth !== undefined) {
      if (auth === bearer) return true;
      if (auth.length === bearer.length && /^bearer /i.test(auth) && auth.slice(7) === apiKey) return true;
    }
    if (flavour === 'anthropic' && headers['x-api-key'] === apiKey) return true;
    if (extraKeys.size === 0) return false;
    const presented =
      auth !== undefined && /^bearer /i.test(auth)
        ? auth.slice(7)
        : flavour === 'anthropic'
          ? headers['x-api-key']
          : undefined;
    return typeof presented === 'string' && extraKeys.has(presented);
  }

  function record(method: string, path: string, headers: IncomingHttpHeaders, body: unknown): void {
    total += 1;
    byPath.set(path, (byPath.get(path) ?? 0) + 1);
    if (recordLimit <= 0) return;
    ring[ringNext] = { method, path, headers, body };
    ringNext = (ringNext + 1) % recordLimit;
  }

  /** The normal answer: auth, then the route (or 404). */
  function answer(
    req: IncomingMessage,
    method: string,
    path: string,
    route: MockRoute | undefined,
    body: unknown,
  ) {
    const flavour = route === undefined ? flavourOfPath(path) : route.flavour(req.headers);
    if (!authorized(req.headers, flavour)) return errorReply(flavour, 401);
    if (route === undefined) return errorReply(flavour, 404, `Unknown request URL: ${method} ${path}.`);
    return route.handle({ headers: req.headers, body: isObject(body) ? body : null }, env);
  }

  function faultReply(fault: MockFault, req: IncomingMessage, path: string, route: MockRoute | undefined) {
    const status = faultStatus(fault.mode);
    if (status === undefined) return undefined;
    const flavour = route === undefined ? flavourOfPath(path) : route.flavour(req.headers);
    const message = 'message' in fault ? fault.message : undefined;
    const headers =
      fault.mode === 'status_429' ? { 'retry-after': String(fault.retryAfterSeconds ?? 1) } : undefined;
    return errorReply(flavour, status, message, headers);
  }

  function deliver(res: ServerResponse, send: () => void, delayMs = latencyMs): void {
    if (delayMs > 0) {
      held.after(res, delayMs, () => {
        held.release(res);
        send();
      });
    } else {
      send();
    }
  }

  function dispatch(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    path: string,
    raw: Buffer | null,
  ) {
    let body: unknown = null;
    if (raw !== null && raw.length > 0) {
      try {
        body = JSON.parse(raw.toString());
      } catch {
        body = null;
      }
    }
    record(method, path, req.headers, body);
    const route = MOCK_ROUTES.get(`${method} ${path}`);
    const fault = faults.take(path);
    if (fault === undefined) {
      deliver(res, () => sendReply(res, answer(req, method, path, route, body)));
      return;
    }
    const failed = faultReply(fault, req, path, route);
    if (failed !== undefined) {
      deliver(res, () => sendReply(res, failed));
      return;
    }
    const normal = (): MockReply => answer(req, method, path, route, body);
    switch (fault.mode) {
      case 'hang':
        held.hold(res);
        return;
      case 'slow_first_byte':
        deliver(res, () => sendReply(res, normal()), fault.delayMs + latencyMs);
        return;
      case 'reset_mid_body':
        deliver(res, () => sendResetMidBody(res, normal()));
        return;
      case 'stream_cut':
        deliver(res, () => sendStreamCut(res, normal(), fault.afterEvents ?? 2));
        return;
      case 'slow_stream':
        deliver(res, () => {
          const reply = normal();
          if (reply.kind === 'json') {
            sendReply(res, reply);
            return;
          }
          held.hold(res);
          sendSlowStream(
            res,
            reply,
            fault.intervalMs,
            (next, ms) => held.after(res, ms, next),
            () => held.release(res),
          );
        });
        return;
    }
  }

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (path === '/healthz') {
      sendTextReply(res, 200, 'ok');
      return;
    }
    const method = req.method ?? 'GET';
    if (method === 'GET' || method === 'HEAD') {
      dispatch(req, res, method, path, null);
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      dispatch(req, res, method, path, chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    });
  }

  const server = createServer({ noDelay: true }, onRequest);
  // Longer than undici's default keep-alive so pooled client connections are not cut under load.
  server.keepAliveTimeout = 30_000;

  let port = opts.port ?? 0;
  let listening = false;
  let closed = false;

  function listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        const address = server.address();
        if (address !== null && typeof address === 'object') port = address.port;
        listening = true;
        resolve();
      });
    });
  }

  async function stop(): Promise<void> {
    if (!listening) return;
    listening = false;
    held.releaseAll();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  await listen();

  return {
    get url() {
      return formatUrl(host, port);
    },
    get port() {
      return port;
    },
    apiKey,
    setFault: (fault) => faults.set(fault),
    get fault() {
      return faults.current;
    },
    counts: () => ({ total, byPath: Object.fromEntries(byPath) }),
    resetCounts: () => {
      total = 0;
      byPath = new Map();
      ring = [];
      ringNext = 0;
    },
    get lastRequests() {
      return [...ring.slice(ringNext), ...ring.slice(0, ringNext)];
    },
    pendingResponses: () => held.size,
    stop,
    restart: async () => {
      if (closed) throw new Error('mock upstream is closed; start a new one');
      if (!listening) await listen();
    },
    close: async () => {
      closed = true;
      await stop();
    },
  };
}
