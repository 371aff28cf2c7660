import type { Protocol } from '@relay/translate';
import type { AccountRow } from '../store/index.ts';
import type { AuthStyle } from './credential-headers.ts';
import { type UpstreamTarget, upstreamTarget } from './upstream-target.ts';

/** What an account speaks when it declares nothing: its platform's own protocols. */
const PLATFORM_PROTOCOLS: Record<AccountRow['platform'], readonly Protocol[]> = {
  openai: ['chat', 'responses'],
  anthropic: ['messages'],
};

/** The credential header a protocol's own API reads, for an endpoint at another base URL. */
const PROTOCOL_AUTH: Record<Protocol, AuthStyle> = {
  chat: 'bearer',
  responses: 'bearer',
  messages: 'x-api-key',
};

/**
 * The protocols an account speaks natively and where: one target per protocol, worked out at load.
 * A protocol at the account's own base URL uses the account's auth style; one at another base URL
 * (e.g. a provider's Anthropic-compatible endpoint) uses that protocol's usual header unless it says.
 */
export function protocolTargets(row: AccountRow, credential: string): ReadonlyMap<Protocol, UpstreamTarget> {
  const targets = new Map<Protocol, UpstreamTarget>();
  const declared = Object.entries(row.protocols ?? {}) as Array<
    [Protocol, { base_url?: string; auth_style?: AuthStyle } | undefined]
  >;
  if (declared.length === 0) {
    const own = upstreamTarget(row.baseUrl, row.authStyle, credential);
    for (const protocol of PLATFORM_PROTOCOLS[row.platform]) targets.set(protocol, own);
    return targets;
  }
  for (const [protocol, endpoint] of declared) {
    const baseUrl = endpoint?.base_url ?? row.baseUrl;
    const authStyle =
      endpoint?.auth_style ?? (endpoint?.base_url === undefined ? row.authStyle : PROTOCOL_AUTH[protocol]);
    targets.set(protocol, upstreamTarget(baseUrl, authStyle, credential));
  }
  return targets;
}
