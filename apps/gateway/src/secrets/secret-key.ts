import { randomBytes, scryptSync } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SECRET_KEY_BYTES = 32;
export const SECRET_KEY_FILE = 'secret.key';

/**
 * How `GATEWAY_SECRET_KEY` is read, in order:
 * 1. 64 hex characters → the 32 key bytes;
 * 2. base64 or base64url that decodes to exactly 32 bytes → those bytes;
 * 3. anything else is a passphrase → scrypt(passphrase, fixed salt, N=2^15, r=8, p=1) → 32 bytes.
 * The salt is fixed because there is nowhere to store one before the key exists; use a generated
 * random key (`openssl rand -hex 32`) in production rather than a passphrase.
 */
export function parseSecretKey(value: string): Buffer {
  const trimmed = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(trimmed)) {
    const decoded = Buffer.from(trimmed.replaceAll('-', '+').replaceAll('_', '/'), 'base64');
    if (decoded.length === SECRET_KEY_BYTES) return decoded;
  }
  return scryptSync(trimmed, 'relay-gateway/credential-key/v1', SECRET_KEY_BYTES, {
    N: 2 ** 15,
    r: 8,
    p: 1,
    maxmem: 64 * 1024 * 1024,
  });
}

export interface LoadSecretKeyOptions {
  /** `GATEWAY_SECRET_KEY`, when set. */
  secretKey?: string | undefined;
  /** Where the embedded-mode key file lives (`<dataDir>/secret.key`). */
  dataDir?: string | undefined;
  /** A throwaway key for in-memory tests: nothing is read or written. */
  ephemeral?: boolean;
  warn?: (message: string, fields: Record<string, unknown>) => void;
}

/**
 * The credential-encryption key. Without `GATEWAY_SECRET_KEY` (embedded mode) a random key is
 * generated once into `<dataDir>/secret.key` (mode 0600) and a warning says so on every start:
 * losing that file makes the stored credentials unreadable. Production config refuses to start
 * without the variable (config.ts).
 */
export function loadSecretKey(options: LoadSecretKeyOptions): Buffer {
  if (options.secretKey) return parseSecretKey(options.secretKey);
  if (options.ephemeral) return randomBytes(SECRET_KEY_BYTES);
  if (!options.dataDir) throw new Error('loadSecretKey: GATEWAY_SECRET_KEY or a data dir is required');
  const path = join(options.dataDir, SECRET_KEY_FILE);
  let generated = false;
  if (!existsSync(path)) {
    mkdirSync(options.dataDir, { recursive: true });
    try {
      // `wx`: two processes starting at once never overwrite each other's key.
      writeFileSync(path, `${randomBytes(SECRET_KEY_BYTES).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
      generated = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  chmodSync(path, 0o600);
  const text = readFileSync(path, 'utf8').trim();
  if (!/^[0-9a-fA-F]{64}$/.test(text)) throw new Error(`${path} does not hold a 64-hex-character key`);
  options.warn?.(
    'GATEWAY_SECRET_KEY is not set: upstream credentials are encrypted with the key file in the data dir. Back it up (without it stored credentials cannot be decrypted) and set GATEWAY_SECRET_KEY in production.',
    { key_file: path, generated },
  );
  return Buffer.from(text, 'hex');
}
