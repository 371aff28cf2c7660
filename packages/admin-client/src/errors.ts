import type { z } from 'zod';

/** Base class of everything the admin client throws, carrying the request that failed. */
export class AdminClientError extends Error {
  readonly method: string;
  readonly path: string;

  constructor(message: string, method: string, path: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AdminClientError';
    this.method = method;
    this.path = path;
  }
}

/**
 * The gateway answered with an error status. Built from the `{"error":{code,message,request_id,details?}}`
 * envelope; a non-envelope error body (e.g. from a proxy in front) gets code `HTTP_ERROR`.
 */
export class AdminApiError extends AdminClientError {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | null;
  readonly details: unknown;

  constructor(init: {
    method: string;
    path: string;
    status: number;
    code: string;
    message: string;
    requestId: string | null;
    details?: unknown;
  }) {
    super(
      `${init.method} ${init.path} → ${init.status} ${init.code}: ${init.message}`,
      init.method,
      init.path,
    );
    this.name = 'AdminApiError';
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
    this.details = init.details;
    // Keep the server's message readable on its own; `toString()` shows the full context.
    this.message = init.message;
  }

  override toString(): string {
    return `${this.name}: ${this.method} ${this.path} → ${this.status} ${this.code}: ${this.message}`;
  }
}

/** The request never got an answer: connection refused/reset, DNS failure, or timeout. */
export class AdminNetworkError extends AdminClientError {
  /** True when the per-attempt timeout fired. */
  readonly timedOut: boolean;

  constructor(method: string, path: string, cause: unknown, timedOut: boolean) {
    const reason = timedOut ? 'timed out' : describeCause(cause);
    super(`${method} ${path}: ${reason}`, method, path, { cause });
    this.name = 'AdminNetworkError';
    this.timedOut = timedOut;
  }
}

/** The gateway answered 2xx with a body this client does not understand (not JSON, or schema mismatch). */
export class AdminProtocolError extends AdminClientError {
  readonly status: number;
  readonly issues: z.core.$ZodIssue[];

  constructor(method: string, path: string, status: number, reason: string, issues: z.core.$ZodIssue[] = []) {
    super(`${method} ${path}: unexpected response (${status}): ${reason}`, method, path);
    this.name = 'AdminProtocolError';
    this.status = status;
    this.issues = issues;
  }
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const inner = (cause as Error & { cause?: unknown }).cause;
    const code = inner && typeof inner === 'object' && 'code' in inner ? String(inner.code) : undefined;
    return code ? `${cause.message} (${code})` : cause.message;
  }
  return String(cause);
}
