import type { AuthStyle } from './credential-headers.ts';
import { ENDPOINTS, type EndpointKind, upstreamPathFor } from './endpoints.ts';

/**
 * Where and how one account is called, worked out once when the account is loaded: the pool's
 * origin, the request path of every endpoint and the credential header, so an attempt only looks
 * them up.
 */
export type UpstreamTarget = {
  origin: string;
  /** Path prefix of the base URL (e.g. `/v1`), without a trailing slash. */
  basePath: string;
  paths: Readonly<Record<EndpointKind, string>>;
  authStyle: AuthStyle;
  /** `authorization` (bearer) or `x-api-key` value. */
  authValue: string;
};

export function upstreamTarget(baseUrl: string, authStyle: AuthStyle, credential: string): UpstreamTarget {
  const url = new URL(baseUrl);
  const basePath = url.pathname.replace(/\/+$/, '');
  const paths = {} as Record<EndpointKind, string>;
  for (const endpoint of Object.values(ENDPOINTS)) paths[endpoint.kind] = upstreamPathFor(endpoint, basePath);
  return {
    origin: url.origin,
    basePath,
    paths,
    authStyle,
    authValue: authStyle === 'x-api-key' ? credential : `Bearer ${credential}`,
  };
}
