import { type Protocol, type Translation, translationFor } from '@relay/translate';
import { ENDPOINTS, type Endpoint } from '../upstream/endpoints.ts';
import type { UpstreamTarget } from '../upstream/upstream-target.ts';
import type { RoutableAccount } from './tenant-directory.ts';

/** How one attempt reaches one account: natively, or translated into a protocol the account speaks. */
export type ProtocolPlan = {
  target: UpstreamTarget;
  /** The upstream endpoint called (the client's own when native). */
  upstreamEndpoint: Endpoint;
  /** Present when the request is translated. */
  translation: Translation | undefined;
};

/** Upstream protocols to translate into, best first, when the account does not speak the caller's. */
const TRANSLATE_INTO: Record<Protocol, readonly Protocol[]> = {
  chat: ['messages'],
  messages: ['chat'],
  // Through chat when there is one: the mapping is shorter and most providers have chat.
  responses: ['chat', 'messages'],
};

const nativePlans = new WeakMap<UpstreamTarget, Map<Endpoint, ProtocolPlan>>();

/**
 * The plan for `endpoint` on `account`: native when the account speaks the endpoint's protocol,
 * otherwise translated into the first protocol it speaks that Relay can translate to; undefined when
 * neither works (the account cannot serve this route). Embeddings and count_tokens are never
 * translated. Plans are cached per target, so the hot path allocates nothing here.
 */
export function planFor(endpoint: Endpoint, account: RoutableAccount): ProtocolPlan | undefined {
  const protocol = protocolOf(endpoint);
  if (protocol === undefined) {
    const target = endpoint.kind === 'count_tokens' ? account.protocols.get('messages') : account.upstream;
    return target === undefined ? undefined : cachedPlan(endpoint, target, endpoint, undefined);
  }
  const native = account.protocols.get(protocol);
  if (native !== undefined) return cachedPlan(endpoint, native, endpoint, undefined);
  for (const into of TRANSLATE_INTO[protocol]) {
    const target = account.protocols.get(into);
    const translation = translationFor(protocol, into);
    if (target !== undefined && translation !== undefined) {
      return cachedPlan(endpoint, target, ENDPOINTS[into], translation);
    }
  }
  return undefined;
}

/** One plan per (target, client endpoint): the same target may be reached from several client protocols. */
function cachedPlan(
  clientEndpoint: Endpoint,
  target: UpstreamTarget,
  upstreamEndpoint: Endpoint,
  translation: Translation | undefined,
): ProtocolPlan {
  let plans = nativePlans.get(target);
  if (plans === undefined) {
    plans = new Map();
    nativePlans.set(target, plans);
  }
  let plan = plans.get(clientEndpoint);
  if (plan === undefined) {
    plan = { target, upstreamEndpoint, translation };
    plans.set(clientEndpoint, plan);
  }
  return plan;
}

/** The wire protocol of a tenant endpoint (embeddings and count_tokens have no translation). */
export function protocolOf(endpoint: Endpoint): Protocol | undefined {
  return endpoint.kind === 'chat' || endpoint.kind === 'responses' || endpoint.kind === 'messages'
    ? endpoint.kind
    : undefined;
}
