/**
 * What the API shows instead of a credential: its scheme prefix and last four characters, e.g.
 * `sk-…a1b2`. Short secrets show nothing, so a fingerprint never gives away a meaningful part.
 */
export function fingerprint(secret: string): string {
  const s = secret.trim();
  if (s.length < 12) return '…';
  const dash = s.indexOf('-');
  const head = dash > 0 && dash <= 5 ? s.slice(0, dash + 1) : s.slice(0, 3);
  return `${head}…${s.slice(-4)}`;
}
