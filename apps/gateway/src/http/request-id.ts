import { randomUUID } from 'node:crypto';

/** A caller's request id is kept only when it is short and plain, so it is safe in logs and headers. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFrom(header: string | undefined | null): string {
  return header && SANE_REQUEST_ID.test(header) ? header : `req_${randomUUID().replaceAll('-', '')}`;
}
