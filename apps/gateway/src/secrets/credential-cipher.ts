import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { SECRET_KEY_BYTES } from './secret-key.ts';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM for secrets at rest (upstream credentials, stored idempotent responses).
 * Envelope: `v1.<iv>.<tag>.<ciphertext>` (base64url). `context` is bound as associated data, so a
 * ciphertext copied to another row (another account id) fails to decrypt instead of leaking.
 */
export interface CredentialCipher {
  encrypt(plaintext: string, context?: string): string;
  decrypt(envelope: string, context?: string): string;
}

export class SecretDecryptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretDecryptError';
  }
}

export function createCredentialCipher(key: Buffer): CredentialCipher {
  if (key.length !== SECRET_KEY_BYTES) throw new Error(`secret key must be ${SECRET_KEY_BYTES} bytes`);
  return {
    encrypt(plaintext, context = '') {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [VERSION, iv, cipher.getAuthTag(), ciphertext]
        .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
        .join('.');
    },
    decrypt(envelope, context = '') {
      const [version, iv, tag, ciphertext] = envelope.split('.');
      if (version !== VERSION || iv === undefined || tag === undefined || ciphertext === undefined) {
        throw new SecretDecryptError('not an encrypted secret envelope');
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), {
          authTagLength: TAG_BYTES,
        });
        decipher.setAAD(Buffer.from(context, 'utf8'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([
          decipher.update(Buffer.from(ciphertext, 'base64url')),
          decipher.final(),
        ]).toString('utf8');
      } catch {
        // Wrong key (GATEWAY_SECRET_KEY changed?) or tampered data; never echo the envelope.
        throw new SecretDecryptError('secret cannot be decrypted with the configured GATEWAY_SECRET_KEY');
      }
    },
  };
}
