import { request } from 'undici';

/** Polling with a deadline: the way tests wait for state, instead of sleeping. */

export interface WaitForOptions {
  /** Give up after this long (default 5000 ms). A predicate still running at the deadline is abandoned. */
  readonly timeoutMs?: number;
  /** Pause between attempts (default 20 ms). */
  readonly intervalMs?: number;
  /** Says what was awaited, in the timeout error. */
  readonly message?: string;
  readonly signal?: AbortSignal;
}

export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
}

function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const PENDING = Symbol('pending');

/** Settles with the value, or with PENDING when `ms` pass first. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof PENDING> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<typeof PENDING>((resolve) => {
    timer = setTimeout(() => resolve(PENDING), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Calls `predicate` until it returns (or resolves to) a truthy value and returns that value.
 * A throwing predicate counts as "not yet"; its last error is quoted if the deadline passes (unless a
 * later attempt returned a falsy value).
 */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  opts: WaitForOptions = {},
): Promise<Awaited<T>> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const intervalMs = opts.intervalMs ?? 20;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  let hasError = false;
  for (;;) {
    if (opts.signal?.aborted) throw opts.signal.reason;
    const remaining = deadline - Date.now();
    try {
      const value = await within(Promise.resolve().then(predicate), Math.max(remaining, 1));
      if (value !== PENDING) {
        if (value) return value;
        hasError = false;
      }
    } catch (error) {
      lastError = error;
      hasError = true;
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      const what = opts.message === undefined ? '' : `: ${opts.message}`;
      const why = hasError ? ` (last error: ${describe(lastError)})` : '';
      throw new WaitTimeoutError(`waitFor timed out after ${timeoutMs} ms${what}${why}`);
    }
    await delay(Math.min(intervalMs, left), opts.signal);
  }
}

export interface WaitForHttpOptions extends Omit<WaitForOptions, 'message'> {
  /** The status to wait for (default: every 2xx). */
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface HttpProbeResult {
  readonly status: number;
  readonly body: string;
}

/** Polls `GET url` until it answers the expected status (default timeout 10 s); returns status and body. */
export async function waitForHttp(url: string, opts: WaitForHttpOptions = {}): Promise<HttpProbeResult> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const expected = opts.status;
  return waitFor(
    async () => {
      const attemptMs = Math.min(2000, timeoutMs);
      const res = await request(url, {
        method: 'GET',
        headers: opts.headers,
        headersTimeout: attemptMs,
        bodyTimeout: attemptMs,
        signal: opts.signal,
      });
      const body = await res.body.text();
      const ok =
        expected === undefined ? res.statusCode >= 200 && res.statusCode < 300 : res.statusCode === expected;
      if (!ok) throw new Error(`GET ${url} answered ${res.statusCode}`);
      return { status: res.statusCode, body };
    },
    {
      timeoutMs,
      intervalMs: opts.intervalMs ?? 50,
      message: `GET ${url} → ${expected ?? '2xx'}`,
      signal: opts.signal,
    },
  );
}
