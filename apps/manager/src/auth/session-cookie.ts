import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'relay_manager_session';

/**
 * A session cookie value is `<session id>.<HMAC-SHA256(admin token, session id)>`. The signature lets the
 * manager reject forged cookies before touching the database; the server-side row (stored under the id's
 * sha256, so the database alone cannot be replayed as cookies) carries expiry and revocation.
 * Rotating the admin token invalidates every session.
 */
export class SessionCookieSigner {
  readonly #key: Buffer;

  constructor(adminToken: string) {
    this.#key = createHash('sha256').update(`relay-manager/session-cookie/v1\0${adminToken}`).digest();
  }

  newSessionId(): string {
    return randomBytes(32).toString('base64url');
  }

  sign(sessionId: string): string {
    return `${sessionId}.${this.#mac(sessionId)}`;
  }

  /** The session id when the signature is valid, else undefined. */
  verify(cookieValue: string): string | undefined {
    const dot = cookieValue.lastIndexOf('.');
    if (dot <= 0) return undefined;
    const id = cookieValue.slice(0, dot);
    if (!/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
    // Compare the text, not decoded bytes: base64url decoding ignores the spare low bits of the last
    // character, so several spellings decode to the same MAC and a tampered cookie could pass.
    const given = Buffer.from(cookieValue.slice(dot + 1), 'utf8');
    const expected = Buffer.from(this.#mac(id), 'utf8');
    return given.length === expected.length && timingSafeEqual(given, expected) ? id : undefined;
  }

  #mac(sessionId: string): string {
    return createHmac('sha256', this.#key).update(sessionId).digest('base64url');
  }
}

export function hashSessionId(sessionId: string): string {
  return createHash('sha256').update(sessionId).digest('hex');
}
