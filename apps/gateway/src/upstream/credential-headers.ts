/** The Anthropic API version sent when the client names none (`anthropic-version`). */
export const ANTHROPIC_VERSION = '2023-06-01';

export type AuthStyle = 'bearer' | 'x-api-key';

/**
 * How an account presents its credential upstream (shared by the relay and the admin account test).
 * Anthropic-style accounts also need an API version; a client's own `anthropic-version` wins.
 */
export function credentialHeaders(
  authStyle: AuthStyle,
  credential: string,
  existing: Readonly<Record<string, string>> = {},
): Record<string, string> {
  if (authStyle === 'x-api-key') {
    return {
      'x-api-key': credential,
      'anthropic-version': existing['anthropic-version'] ?? ANTHROPIC_VERSION,
    };
  }
  return { authorization: `Bearer ${credential}` };
}
