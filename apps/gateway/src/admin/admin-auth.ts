import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { AdminError } from '../errors.ts';
import type { AppEnv } from '../http/env.ts';

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * `Authorization: Bearer <GATEWAY_ADMIN_TOKEN>`. Both sides are hashed first so the comparison is
 * constant-time whatever the presented length (timingSafeEqual needs equal lengths).
 */
export function requireAdminToken(adminToken: string): MiddlewareHandler<AppEnv> {
  const expected = sha256(adminToken);
  return async function adminAuth(c, next) {
    const header = c.req.header('authorization');
    const match = header ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header) : null;
    if (!match?.[1]) {
      throw new AdminError(
        'ADMIN_AUTH_REQUIRED',
        'the admin API requires Authorization: Bearer <GATEWAY_ADMIN_TOKEN>',
      );
    }
    if (!timingSafeEqual(sha256(match[1]), expected)) {
      throw new AdminError('INVALID_ADMIN_TOKEN', 'the admin token is not valid');
    }
    await next();
  };
}
