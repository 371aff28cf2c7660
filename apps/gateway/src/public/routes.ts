import type { Hono } from 'hono';
import type { AppEnv } from '../http/env.ts';
import { PublicError } from '../http/errors.ts';
import { apiKeyFromRequest } from './api-key.ts';

/** Resolves a tenant key to its context; the relay pipeline issue replaces the default with the key cache. */
export type TenantAuthenticator = (secret: string) => Promise<never>;

const rejectAllKeys: TenantAuthenticator = async () => {
  throw new PublicError('INVALID_API_KEY', 'Incorrect API key provided.');
};

export function registerPublicRoutes(
  app: Hono<AppEnv>,
  deps: { authenticate?: TenantAuthenticator } = {},
): void {
  const authenticate = deps.authenticate ?? rejectAllKeys;
  app.use('/v1/*', async function requireApiKey(c, next) {
    const secret = apiKeyFromRequest(
      { authorization: c.req.header('authorization'), xApiKey: c.req.header('x-api-key') },
      new URL(c.req.url),
    );
    await authenticate(secret);
    await next();
  });
  app.get('/v1/models', () => {
    throw new PublicError('INTERNAL_ERROR', 'unreachable: authentication always rejects');
  });
}
