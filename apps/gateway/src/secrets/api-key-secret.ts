import { hash, randomInt } from 'node:crypto';

export const API_KEY_PREFIX = 'sk-relay-';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** 43 base62 characters ≈ 256 bits (spec: at least 192). */
const SECRET_CHARS = 43;
/** Characters of the random part kept in the display prefix (`sk-relay-Ab12Cd`). */
const DISPLAY_CHARS = 6;

export interface GeneratedApiKey {
  /** Plaintext: returned once to the caller, never stored or logged. */
  secret: string;
  /** sha256 hex: what the database keeps and the relay looks keys up by. */
  hash: string;
  /** Shown in listings so an operator can tell keys apart. */
  prefix: string;
}

export function generateApiKey(): GeneratedApiKey {
  let body = '';
  // randomInt draws uniformly (rejection sampling inside), so every character carries log2(62) bits.
  for (let i = 0; i < SECRET_CHARS; i++) body += BASE62[randomInt(BASE62.length)];
  const secret = `${API_KEY_PREFIX}${body}`;
  return { secret, hash: hashApiKey(secret), prefix: `${API_KEY_PREFIX}${body.slice(0, DISPLAY_CHARS)}` };
}

export function hashApiKey(secret: string): string {
  // One-shot: ~0.3 µs against ~1.2 µs for a Hash object, on every relayed request.
  return hash('sha256', secret, 'hex');
}
