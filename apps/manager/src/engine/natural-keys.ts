/**
 * Natural keys (manager.md §6): what a managed resource is, independent of the remote id the gateway gave
 * it. Two imports of the same provider with the same options name the same resources, which is what makes
 * a second import a no-op and lets a lost answer be resolved by looking the key up.
 */

export const naturalKeys = {
  user: (name: string) => `user:${name}`,
  group: (name: string) => name,
  /** `<provider>#<credential fingerprint>` (the manager's sha256 fingerprint, never the credential). */
  account: (providerId: string, credentialFingerprint: string) => `${providerId}#${credentialFingerprint}`,
  binding: (accountKey: string, groupKey: string) => `${accountKey}→${groupKey}`,
  price: (model: string) => `price:${model}`,
  apiKey: (groupName: string) => `key:${groupName}`,
} as const;

/** The account and group natural keys of a binding's natural key, or undefined when it is not one. */
export function bindingEnds(naturalKey: string): { account: string; group: string } | undefined {
  const at = naturalKey.indexOf('→');
  if (at <= 0) return undefined;
  return { account: naturalKey.slice(0, at), group: naturalKey.slice(at + 1) };
}
