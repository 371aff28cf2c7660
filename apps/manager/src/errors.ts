import type { ManagerErrorCode } from '@relay/schemas';
import { MANAGER_ERROR_STATUS } from '@relay/schemas';

/**
 * Codes the manager uses that packages/schemas does not list yet (asked of the lead); kept here until then.
 * Each maps to a status exactly like MANAGER_ERROR_STATUS.
 */
export const LOCAL_ERROR_STATUS = {
  /** POST /api/hosts/:id/smoke without api_key on a host that has no recorded smoke key. */
  SMOKE_KEY_REQUIRED: 422,
} as const satisfies Record<string, number>;

export type ErrorCode = ManagerErrorCode | keyof typeof LOCAL_ERROR_STATUS;

/**
 * The one error type of the manager. Domain code throws it with a stable code; only the HTTP edge
 * turns it into a status and the `{"error":{code,message,request_id,details?}}` envelope.
 */
export class ManagerError extends Error {
  readonly status: number;
  readonly headers: Record<string, string>;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    options?: { headers?: Record<string, string>; cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ManagerError';
    this.status = statusOf(code);
    this.headers = options?.headers ?? {};
  }
}

export function statusOf(code: ErrorCode): number {
  return (
    (MANAGER_ERROR_STATUS as Record<string, number>)[code] ??
    (LOCAL_ERROR_STATUS as Record<string, number>)[code] ??
    500
  );
}
