/** The manager API as the console calls it: same origin, session cookie, the manager's error envelope. */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown,
    readonly requestId: string | undefined,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let onSessionLost: () => void = () => {};

/** Called when an API call answers 401 AUTH_REQUIRED: the session ended (logout elsewhere, expiry). */
export function whenSessionLost(handler: () => void): void {
  onSessionLost = handler;
}

type ErrorEnvelope = { error?: { code?: string; message?: string; details?: unknown; request_id?: string } };

/**
 * One JSON call. The browser sends the session cookie and `Sec-Fetch-Site: same-origin` by itself,
 * which is all the manager's CSRF rule asks: no token lives in the page.
 */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? { accept: 'application/json' } : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const envelope = (json ?? {}) as ErrorEnvelope;
    const error = new ApiError(
      res.status,
      envelope.error?.code ?? `HTTP_${res.status}`,
      envelope.error?.message ?? (text.slice(0, 200) || res.statusText),
      envelope.error?.details,
      envelope.error?.request_id ?? res.headers.get('x-request-id') ?? undefined,
    );
    if (res.status === 401 && error.code === 'AUTH_REQUIRED') onSessionLost();
    throw error;
  }
  return json as T;
}

/** Builds `path?key=value…` from the defined, non-empty entries. */
export function withQuery(path: string, query: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text === '' ? path : `${path}?${text}`;
}
