import { PublicError } from '../errors.ts';

/**
 * Query parameters that look like a credential, compared lower-cased (`?Key=`, `?API_KEY=` too);
 * a key there ends up in proxy logs, so it is refused.
 */
const KEY_QUERY_PARAMS = new Set(['key', 'api_key', 'apikey', 'api-key', 'access_token', 'token']);
const BEARER = /^Bearer\s+(\S+)$/i;

/** The key headers of a request, each as the web `Headers` would give it (duplicates joined by ", "). */
export type KeyHeaders = { authorization: string | undefined; xApiKey: string | undefined };

/**
 * The tenant key of a request: `Authorization: Bearer <key>` or `x-api-key: <key>`.
 * Throws the documented public errors for a missing key or a key in the query string (`query`: the
 * request target's query, without `?` and fragment; `''` when there is none).
 */
export function apiKeyFromRequest(headers: KeyHeaders, query: string): string {
  // Most requests carry no query: nothing to parse.
  if (query !== '') refuseKeyInQuery(query);
  const authorization = headers.authorization?.trim();
  if (authorization) {
    const match = BEARER.exec(authorization);
    if (match?.[1]) return match[1];
  }
  const xApiKey = headers.xApiKey?.trim();
  if (xApiKey) return xApiKey;
  throw new PublicError(
    'API_KEY_REQUIRED',
    'You didn\'t provide an API key. Send "Authorization: Bearer <key>" or "x-api-key: <key>".',
  );
}

function refuseKeyInQuery(query: string): void {
  for (const name of new URLSearchParams(query).keys()) {
    if (KEY_QUERY_PARAMS.has(name.toLowerCase())) {
      throw new PublicError(
        'INVALID_REQUEST',
        `API keys are not accepted in the query string (parameter "${name}"); send "Authorization: Bearer <key>" or "x-api-key: <key>"`,
        { param: name },
      );
    }
  }
}

/** The query of a URL or request target, as `URL.search` has it without the `?` (`''` when none). */
export function queryOf(target: string): string {
  const start = target.indexOf('?');
  if (start === -1) return '';
  const fragment = target.indexOf('#', start);
  return fragment === -1 ? target.slice(start + 1) : target.slice(start + 1, fragment);
}
