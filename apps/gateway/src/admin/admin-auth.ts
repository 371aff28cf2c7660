import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { AdminError } from '../errors.ts';
import type { AppEnv } from '../http/env.ts';
import { clientAddress, type FailureThrottle } from '../http/failure-throttle.ts';

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * `Authorization: Bearer <GATEWAY_ADMIN_TOKEN>`. Both sides are hashed first so the comparison is
 * constant-time whatever the presented length (timingSafeEqual needs equal lengths). With a throttle,
 * an address that sent too many wrong tokens gets 429 ADMIN_AUTH_THROTTLED until its window passes.
 */
export function requireAdminToken(adminToken: string, throttle?: FailureThrottle): MiddlewareHandler<AppEnv> {
  const expected = sha256(adminToken);
  return async function adminAuth(c, next) {
    const address = clientAddress(c);
    const waitMs = throttle?.retryAfterMs(address) ?? 0;
    if (waitMs > 0) {
      const seconds = Math.ceil(waitMs / 1000);
      throw new AdminError(
        'ADMIN_AUTH_THROTTLED',
        `too many wrong admin tokens from this address; retry in ${seconds}s`,
        undefined,
        { retryAfterSeconds: seconds },
      );
    }
    const header = c.req.header('authorization');
    const match = header ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header) : null;
    if (!match?.[1]) {
      throw new AdminError(
        'ADMIN_AUTH_REQUIRED',
        'the admin API requires Authorization: Bearer <GATEWAY_ADMIN_TOKEN>',
      );
    }
    if (!timingSafeEqual(sha256(match[1]), expected)) {
      throttle?.recordFailure(address);
      throw new AdminError('INVALID_ADMIN_TOKEN', 'the admin token is not valid');
    }
    await next();
  };
}
