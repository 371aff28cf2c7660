import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { AuditLog } from '../audit/audit-log.ts';
import type { AuthService } from '../auth/auth-service.ts';
import { SESSION_COOKIE } from '../auth/session-cookie.ts';
import { ManagerError } from '../errors.ts';
import type { AppEnv } from './env.ts';

/** /api routes reachable without being logged in. */
const PUBLIC_API_PATHS = new Set(['/api/auth/login', '/api/auth/logout']);

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function isMutation(method: string): boolean {
  return !SAFE_METHODS.has(method);
}

/**
 * /api/* requires the bearer admin token or a live session cookie (401 AUTH_REQUIRED otherwise).
 * A bearer header, when present, is authoritative: a wrong token is refused even if a cookie is valid.
 */
export function requireAuth(auth: AuthService): MiddlewareHandler<AppEnv> {
  return async function requireAuthMiddleware(c, next) {
    const principal =
      auth.authenticateBearer(c.req.header('authorization'), c.get('clientIp')) ??
      auth.authenticateCookie(getCookie(c, SESSION_COOKIE));
    c.set('principal', principal);
    if (principal === undefined && !PUBLIC_API_PATHS.has(c.req.path)) {
      throw new ManagerError(
        'AUTH_REQUIRED',
        'log in (POST /api/auth/login) or send Authorization: Bearer <admin token>',
      );
    }
    await next();
  };
}

/**
 * A cookie-authenticated request that changes state must come from this origin (docs/architecture.md#the-manager), so a
 * foreign page cannot drive the API with the operator's cookie: `Sec-Fetch-Site: same-origin`, or an
 * `Origin` whose host:port equals `Host`. Bearer requests are exempt (a browser never adds that header by
 * itself). Login is checked too when the browser says it is cross-site, against login CSRF.
 */
export function sameOrigin(): MiddlewareHandler<AppEnv> {
  return async function sameOriginMiddleware(c, next) {
    if (!isMutation(c.req.method)) return next();
    const principal = c.get('principal');
    const browserSaysCrossSite =
      c.req.header('origin') !== undefined ||
      (c.req.header('sec-fetch-site') ?? 'same-origin') !== 'same-origin';
    const mustCheck = principal?.via === 'session' || (principal === undefined && browserSaysCrossSite);
    if (
      mustCheck &&
      !isSameOrigin(c.req.header('sec-fetch-site'), c.req.header('origin'), c.req.header('host'))
    ) {
      throw new ManagerError(
        'CSRF_REJECTED',
        'cross-origin request refused: state-changing calls must come from this origin',
      );
    }
    await next();
  };
}

export function isSameOrigin(
  secFetchSite: string | undefined,
  origin: string | undefined,
  host: string | undefined,
): boolean {
  if (secFetchSite !== undefined) return secFetchSite === 'same-origin';
  if (origin === undefined || host === undefined || origin === 'null') return false;
  try {
    return new URL(origin).host === host.toLowerCase();
  } catch {
    return false;
  }
}

/**
 * Writes one audit event for every mutating /api call that reached the handler chain: actor, action,
 * target, outcome (success, failure, denied), request id. Routes name the action and target through
 * `c.set('audit', …)`; unnamed ones are recorded by method and route.
 */
export function auditMutations(audit: AuditLog): MiddlewareHandler<AppEnv> {
  return async function auditMutationsMiddleware(c, next) {
    if (!isMutation(c.req.method)) return next();
    await next();
    const note = c.get('audit');
    const status = c.res.status;
    const principal = c.get('principal');
    let code: string | undefined;
    if (status >= 400) {
      try {
        code = ((await c.res.clone().json()) as { error?: { code?: string } }).error?.code;
      } catch {
        code = undefined;
      }
    }
    audit.record({
      actor: note?.actor ?? principal?.actor ?? 'anonymous',
      action: note?.action ?? `${c.req.method} ${c.req.path}`,
      targetType: note?.targetType,
      targetId: note?.targetId,
      outcome:
        status < 400 ? 'success' : status === 401 || status === 403 || status === 429 ? 'denied' : 'failure',
      status,
      requestId: c.get('requestId'),
      clientIp: c.get('clientIp'),
      details: { ...note?.details, ...(code === undefined ? {} : { error_code: code }) },
    });
  };
}
