/**
 * What the gateway shows instead of an upstream credential (`credential_fingerprint` of an account): its
 * scheme prefix and last four characters, e.g. `sk-…a1b2`. Short secrets show nothing, so a fingerprint
 * never gives away a meaningful part. The manager computes the same to compare a stored credential with
 * the one it wants, since the gateway never returns the credential itself.
 */
export function credentialFingerprint(secret: string): string {
  const s = secret.trim();
  if (s.length < 12) return '…';
  const dash = s.indexOf('-');
  const head = dash > 0 && dash <= 5 ? s.slice(0, dash + 1) : s.slice(0, 3);
  return `${head}…${s.slice(-4)}`;
}
