import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM for secrets the manager must be able to read back (host admin tokens, smoke keys, batch
 * credentials). Stored as `v1.<iv>.<tag>.<ciphertext>` (base64url). The key is sha256 of the configured
 * secret under a purpose label, so a MANAGER_SECRET_KEY of any length gives a 32-byte key, and a key derived
 * from the admin token differs from the session-signing use of that token.
 */
export class SecretBox {
  readonly #key: Buffer;

  private constructor(key: Buffer) {
    this.#key = key;
  }

  /** From MANAGER_SECRET_KEY. */
  static fromSecretKey(secret: string): SecretBox {
    return new SecretBox(createHash('sha256').update(`relay-manager/secret-box/v1\0${secret}`).digest());
  }

  /** Fallback outside production: derived from the admin token (rotating the token makes stored secrets unreadable). */
  static derivedFromAdminToken(adminToken: string): SecretBox {
    return new SecretBox(
      createHash('sha256')
        .update(`relay-manager/secret-box/derived-from-admin-token/v1\0${adminToken}`)
        .digest(),
    );
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [
      'v1',
      iv.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
      ciphertext.toString('base64url'),
    ].join('.');
  }

  /** Throws when the value was not sealed with this key or was tampered with. */
  open(sealed: string): string {
    const [version, iv, tag, ciphertext] = sealed.split('.');
    if (version !== 'v1' || iv === undefined || tag === undefined || ciphertext === undefined) {
      throw new Error('not a sealed secret');
    }
    const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  }
}

/**
 * What the API shows instead of a secret: `sha256:` + the first 12 hex digits of its digest. It reveals
 * none of the secret's characters, and an operator can check it with `printf %s "$TOKEN" | sha256sum`.
 */
export function fingerprint(secret: string): string {
  return `sha256:${createHash('sha256').update(secret).digest('hex').slice(0, 12)}`;
}
