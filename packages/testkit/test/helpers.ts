import { Agent, type Dispatcher, request } from 'undici';

/** One pooled client per test file, like a gateway's upstream pool. */
export function createClient() {
  const agent = new Agent({ keepAliveTimeout: 10_000 });

  async function call(
    url: string,
    opts: {
      method?: Dispatcher.HttpMethod;
      body?: unknown;
      rawBody?: string;
      headers?: Record<string, string>;
      headersTimeout?: number;
      signal?: AbortSignal;
    } = {},
  ) {
    const body = opts.rawBody ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
    return request(url, {
      dispatcher: agent,
      method: opts.method ?? (body === undefined ? 'GET' : 'POST'),
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...opts.headers },
      body,
      headersTimeout: opts.headersTimeout,
      signal: opts.signal,
    });
  }

  /** Sends a request and reads the whole body as text. */
  async function text(url: string, opts: Parameters<typeof call>[1] = {}) {
    const res = await call(url, opts);
    return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
  }

  /** Sends a request and reads a JSON body. */
  async function json(url: string, opts: Parameters<typeof call>[1] = {}) {
    const res = await text(url, opts);
    return { ...res, json: JSON.parse(res.text) as any };
  }

  return { agent, call, text, json, close: () => agent.close() };
}

/** Reads a body until it ends or fails; returns what arrived and the error, if any. */
export async function readUntilError(body: AsyncIterable<Buffer>): Promise<{ text: string; error: unknown }> {
  let text = '';
  try {
    for await (const chunk of body) text += chunk.toString();
    return { text, error: undefined };
  } catch (error) {
    return { text, error };
  }
}

/** The `data:` payloads of an SSE text, in order. */
export function sseData(text: string): string[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const line = block.split('\n').find((l) => l.startsWith('data: '));
      return line === undefined ? '' : line.slice('data: '.length);
    });
}

/** The `event:` names of an SSE text, in order. */
export function sseEventNames(text: string): string[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map(
      (block) =>
        block
          .split('\n')
          .find((l) => l.startsWith('event: '))
          ?.slice('event: '.length) ?? '',
    );
}

export const BEARER = { authorization: 'Bearer sk-mock-upstream' };
export const X_API_KEY = { 'x-api-key': 'sk-mock-upstream', 'anthropic-version': '2023-06-01' };
export const PONG_MESSAGES = [{ role: 'user', content: 'Please reply with PONG only.' }];
export const HELLO_MESSAGES = [{ role: 'user', content: 'Hello there' }];
