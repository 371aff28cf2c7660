import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small stand-in for apps/gateway speaking just what the manager's probe and smoke read: /healthz,
 * /readyz, /admin/v1/capabilities, the admin list endpoints, /v1/models and /v1/chat/completions.
 * It records every request so tests can assert a probe wrote nothing, and can hold chat completions
 * open (a gate) to keep an operation in flight.
 */
export type FakeGateway = {
  url: string;
  adminToken: string;
  apiKey: string;
  requests: { method: string; path: string }[];
  /** Requests other than GET/HEAD: what a side-effect-free probe must never send. */
  writes(): { method: string; path: string }[];
  /** What the chat completion answers (default `pong`). */
  setAnswer(text: string): void;
  setReady(ready: boolean): void;
  /** Holds chat completions until the returned release() is called. */
  holdChat(): { release(): void; arrived: Promise<void> };
  close(): Promise<void>;
};

export async function startFakeGateway(
  options: { adminToken?: string; apiKey?: string; models?: string[] } = {},
): Promise<FakeGateway> {
  const adminToken = options.adminToken ?? 'fake-gateway-admin-token-0123456789';
  const apiKey = options.apiKey ?? 'sk-relay-fake-tenant-key-0123456789';
  const models = options.models ?? ['deepseek-chat', 'deepseek-reasoner'];
  const requests: { method: string; path: string }[] = [];
  let answer = 'pong';
  let ready = true;
  let gate: { promise: Promise<void>; arrived: () => void } | undefined;

  const send = (res: ServerResponse, status: number, body: unknown) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' });
    res.end(text);
  };
  const adminError = (res: ServerResponse, status: number, code: string, message: string) =>
    send(res, status, { error: { code, message, request_id: 'req_fake' } });
  const openAiError = (res: ServerResponse, status: number, code: string, message: string) =>
    send(res, status, { error: { message, type: 'authentication_error', code, param: null } });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    requests.push({ method, path: url.pathname });
    for await (const _ of req) {
      // drain the body
    }
    if (url.pathname === '/healthz') return send(res, 200, 'ok');
    if (url.pathname === '/readyz')
      return send(res, ready ? 200 : 503, {
        status: ready ? 'ready' : 'unavailable',
        version: '0.1.0',
        checks: {},
      });
    if (url.pathname.startsWith('/admin/v1/')) {
      const auth = req.headers.authorization;
      if (auth === undefined) return adminError(res, 401, 'ADMIN_AUTH_REQUIRED', 'admin token required');
      if (auth !== `Bearer ${adminToken}`)
        return adminError(res, 401, 'INVALID_ADMIN_TOKEN', 'invalid admin token');
      const resource = url.pathname.slice('/admin/v1/'.length);
      if (method === 'GET' && resource === 'capabilities') {
        return send(res, 200, {
          version: '0.1.0-fake',
          api_version: 'v1',
          platforms: ['openai', 'anthropic'],
          features: ['labels', 'idempotency'],
        });
      }
      if (
        method === 'GET' &&
        ['users', 'groups', 'accounts', 'api-keys', 'channels', 'account-groups'].includes(resource)
      ) {
        return send(res, 200, { items: [], next_cursor: null });
      }
      return adminError(res, 404, 'NOT_FOUND', `no route ${method} ${url.pathname}`);
    }
    if (url.pathname.startsWith('/v1/')) {
      const auth = req.headers.authorization;
      if (auth === undefined) return openAiError(res, 401, 'API_KEY_REQUIRED', 'an API key is required');
      if (auth !== `Bearer ${apiKey}`) return openAiError(res, 401, 'INVALID_API_KEY', 'invalid API key');
      if (method === 'GET' && url.pathname === '/v1/models') {
        return send(res, 200, {
          object: 'list',
          data: models.map((id) => ({ id, object: 'model', owned_by: 'relay' })),
        });
      }
      if (method === 'POST' && url.pathname === '/v1/chat/completions') {
        if (gate !== undefined) {
          gate.arrived();
          await gate.promise;
        }
        return send(res, 200, {
          id: 'chatcmpl-fake',
          object: 'chat.completion',
          choices: [{ index: 0, message: { role: 'assistant', content: answer }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
        });
      }
    }
    return send(res, 404, { error: { code: 'NOT_FOUND', message: 'not found', request_id: 'req_fake' } });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) =>
      send(res, 500, { error: { code: 'INTERNAL_ERROR', message: String(error) } }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    adminToken,
    apiKey,
    requests,
    writes: () => requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD'),
    setAnswer: (text) => {
      answer = text;
    },
    setReady: (value) => {
      ready = value;
    },
    holdChat: () => {
      let release = () => {};
      let arrived = () => {};
      const arrivedPromise = new Promise<void>((resolve) => {
        arrived = resolve;
      });
      const promise = new Promise<void>((resolve) => {
        release = () => {
          gate = undefined;
          resolve();
        };
      });
      gate = { promise, arrived };
      return { release, arrived: arrivedPromise };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
