import { randomFillSync } from 'node:crypto';

/** A caller's request id is kept only when it is short and plain, so it is safe in logs and headers. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFrom(header: string | undefined | null): string {
  return header && SANE_REQUEST_ID.test(header) ? header : newRequestId();
}

const ID_BYTES = 16;
/** Random bytes for 256 ids, refilled when used up: one CSPRNG call per 256 requests. */
const pool = Buffer.alloc(ID_BYTES * 256);
let poolOffset = pool.length;

/** A gateway-made id: `req_` and 128 random bits in hex (unique across replicas and restarts). */
export function newRequestId(): string {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const start = poolOffset;
  poolOffset += ID_BYTES;
  return `req_${pool.toString('hex', start, poolOffset)}`;
}
