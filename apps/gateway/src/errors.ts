import {
  ADMIN_ERROR_STATUS,
  type AdminErrorCode,
  PUBLIC_ERROR_STATUS,
  type PublicErrorCode,
} from '@relay/schemas';

/**
 * One error type per API surface. Domain code throws these with a stable code; only the HTTP edge
 * (http/error-response.ts, from app.ts onError) turns them into an envelope.
 */
export class PublicError extends Error {
  readonly status: number;
  constructor(
    readonly code: PublicErrorCode,
    message: string,
    readonly options: {
      retryAfterSeconds?: number;
      param?: string;
      /** The connection cannot serve another request (e.g. a body left half-read). */
      closeConnection?: boolean;
    } = {},
  ) {
    super(message);
    this.name = 'PublicError';
    this.status = PUBLIC_ERROR_STATUS[code];
  }
}

export class AdminError extends Error {
  readonly status: number;
  constructor(
    readonly code: AdminErrorCode,
    message: string,
    readonly details?: unknown,
    readonly options: { retryAfterSeconds?: number } = {},
  ) {
    super(message);
    this.name = 'AdminError';
    this.status = ADMIN_ERROR_STATUS[code];
  }
}
