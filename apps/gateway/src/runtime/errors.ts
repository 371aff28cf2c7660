/**
 * Thrown by every Redis-backed runtime call that could not get an answer from Redis (connection
 * down, not yet connected, command timeout, script error). Calls never queue or hang while Redis is
 * unreachable: they reject within the client's command timeout. The gateway maps this error to
 * 503 LIMITER_UNAVAILABLE for limits and slots (fail-closed).
 */
export class RuntimeUnavailableError extends Error {
  readonly code = 'LIMITER_UNAVAILABLE' as const;

  constructor(
    readonly operation: string,
    cause: unknown,
  ) {
    super(
      `runtime state unavailable (${operation}): ${cause instanceof Error ? cause.message : String(cause)}`,
      {
        cause,
      },
    );
    this.name = 'RuntimeUnavailableError';
  }
}

export function isRuntimeUnavailableError(error: unknown): error is RuntimeUnavailableError {
  return error instanceof RuntimeUnavailableError;
}
