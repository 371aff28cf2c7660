import type { OpenAPIHono } from '@hono/zod-openapi';
import { createRoute, z } from '@hono/zod-openapi';
import { getCookie } from 'hono/cookie';
import type { AuthService } from '../auth/auth-service.ts';
import { SESSION_COOKIE } from '../auth/session-cookie.ts';
import { ManagerError } from '../errors.ts';
import type { AppEnv } from '../http/env.ts';
import type { ManagerMetrics } from '../metrics.ts';
import { errorResponses } from './schemas.ts';

const loginRoute = createRoute({
  method: 'post',
  path: '/api/auth/login',
  tags: ['auth'],
  summary: 'Log in; sets the signed HttpOnly session cookie',
  security: [],
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({ username: z.string().min(1).max(256), password: z.string().min(1).max(1024) }),
        },
      },
    },
  },
  responses: {
    200: {
      description: 'Logged in',
      content: { 'application/json': { schema: z.object({ username: z.string(), expires_at: z.string() }) } },
    },
    ...errorResponses(400, 429),
  },
});

const logoutRoute = createRoute({
  method: 'post',
  path: '/api/auth/logout',
  tags: ['auth'],
  summary: 'Log out: revokes the session and clears the cookie',
  security: [],
  responses: { 204: { description: 'Logged out' }, ...errorResponses() },
});

const sessionSchema = z.object({
  authenticated: z.boolean(),
  via: z.enum(['token', 'session']),
  username: z.string(),
  expires_at: z.string().nullable(),
});

const sessionRoute = createRoute({
  method: 'get',
  path: '/api/auth/session',
  tags: ['auth'],
  summary: 'Who is calling',
  responses: {
    200: { description: 'The caller', content: { 'application/json': { schema: sessionSchema } } },
    ...errorResponses(),
  },
});

export function registerAuthRoutes(
  app: OpenAPIHono<AppEnv>,
  deps: { auth: AuthService; metrics: ManagerMetrics; adminUsername: string },
): void {
  app.openapi(loginRoute, (c) => {
    const { username, password } = c.req.valid('json');
    c.set('audit', { action: 'auth.login', targetType: 'session', details: { username } });
    try {
      const result = deps.auth.login({
        username,
        password,
        clientIp: c.get('clientIp'),
        userAgent: c.req.header('user-agent'),
      });
      deps.metrics.operations.inc({ operation: 'auth.login', outcome: 'ok' });
      c.set('audit', {
        action: 'auth.login',
        actor: `session:${result.username}`,
        targetType: 'session',
        details: { username },
      });
      c.header('Set-Cookie', result.cookie);
      c.header('Cache-Control', 'no-store');
      c.get('logger').info({ username }, 'login succeeded');
      return c.json({ username: result.username, expires_at: new Date(result.expiresAt).toISOString() }, 200);
    } catch (error) {
      deps.metrics.operations.inc({
        operation: 'auth.login',
        outcome: error instanceof ManagerError ? error.code.toLowerCase() : 'error',
      });
      c.get('logger').warn({ username, client_ip: c.get('clientIp') }, 'login failed');
      throw error;
    }
  });

  app.openapi(logoutRoute, (c) => {
    c.set('audit', { action: 'auth.logout', targetType: 'session' });
    c.header('Set-Cookie', deps.auth.logout(getCookie(c, SESSION_COOKIE)));
    return c.body(null, 204);
  });

  app.openapi(sessionRoute, (c) => {
    const principal = c.get('principal');
    if (principal === undefined) throw new ManagerError('AUTH_REQUIRED', 'not logged in');
    return c.json(
      principal.via === 'session'
        ? {
            authenticated: true,
            via: 'session' as const,
            username: principal.username,
            expires_at: new Date(principal.expiresAt).toISOString(),
          }
        : { authenticated: true, via: 'token' as const, username: deps.adminUsername, expires_at: null },
      200,
    );
  });
}
