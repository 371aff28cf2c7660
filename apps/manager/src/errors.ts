import type { ManagerErrorCode } from '@relay/schemas';
import { MANAGER_ERROR_STATUS } from '@relay/schemas';

/** The manager's error codes; packages/schemas owns the list and each code's status. */
export type ErrorCode = ManagerErrorCode;

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
    this.status = MANAGER_ERROR_STATUS[code];
    this.headers = options?.headers ?? {};
  }
}
