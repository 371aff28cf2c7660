import { AdminApiError, AdminNetworkError, AdminProtocolError } from '@relay/admin-client';

/** How a failed remote write is journaled: `unknown` when it may have happened, `failed` when it surely did not. */
export type WriteFailure = { state: 'unknown' | 'failed'; httpStatus?: number; code?: string; error: string };

/**
 * A 4xx is the gateway refusing the request: nothing was written. A timeout, a cut connection, a 5xx or a
 * 2xx body that cannot be read leave the outcome open: the write may have gone through (manager.md §6).
 */
export function classifyWriteError(error: unknown): WriteFailure {
  if (error instanceof AdminApiError) {
    const open = error.status >= 500 || error.code === 'IDEMPOTENCY_IN_PROGRESS';
    return {
      state: open ? 'unknown' : 'failed',
      httpStatus: error.status,
      code: error.code,
      error: `${error.status} ${error.code}: ${error.message}`,
    };
  }
  if (error instanceof AdminNetworkError) {
    return { state: 'unknown', error: error.timedOut ? `timed out: ${error.message}` : error.message };
  }
  if (error instanceof AdminProtocolError) {
    return { state: 'unknown', httpStatus: error.status, error: error.message };
  }
  return { state: 'unknown', error: error instanceof Error ? error.message : String(error) };
}
