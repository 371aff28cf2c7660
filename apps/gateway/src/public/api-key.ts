import { PublicError } from '../errors.ts';

/**
 * Query parameters that look like a credential, compared lower-cased (`?Key=`, `?API_KEY=` too);
 * a key there ends up in proxy logs, so it is refused.
 */
const KEY_QUERY_PARAMS = new Set(['key', 'api_key', 'apikey', 'api-key', 'access_token', 'token']);

/**
 * The tenant key of a request: `Authorization: Bearer <key>` or `x-api-key: <key>`.
 * Throws the documented public errors for a missing key or a key in the query string.
 */
export function apiKeyFromRequest(headers: { authorization?: string; xApiKey?: string }, url: URL): string {
  for (const name of url.searchParams.keys()) {
    if (KEY_QUERY_PARAMS.has(name.toLowerCase())) {
      throw new PublicError(
        'INVALID_REQUEST',
        `API keys are not accepted in the query string (parameter "${name}"); send "Authorization: Bearer <key>" or "x-api-key: <key>"`,
        { param: name },
      );
    }
  }
  const authorization = headers.authorization?.trim();
  if (authorization) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (match?.[1]) return match[1];
  }
  const xApiKey = headers.xApiKey?.trim();
  if (xApiKey) return xApiKey;
  throw new PublicError(
    'API_KEY_REQUIRED',
    'You didn\'t provide an API key. Send "Authorization: Bearer <key>" or "x-api-key: <key>".',
  );
}
