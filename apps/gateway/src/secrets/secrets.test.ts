import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { API_KEY_PREFIX, generateApiKey, hashApiKey } from './api-key-secret.ts';
import { createCredentialCipher, SecretDecryptError } from './credential-cipher.ts';
import { fingerprint } from './fingerprint.ts';
import { loadSecretKey, parseSecretKey } from './secret-key.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'relay-secrets-'));
  dirs.push(dir);
  return dir;
};

describe('credential cipher', () => {
  const cipher = createCredentialCipher(parseSecretKey('11'.repeat(32)));

  it('round-trips and never contains the plaintext', () => {
    const envelope = cipher.encrypt('sk-upstream-very-secret-1234', 'acc_1');
    expect(envelope).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(envelope).not.toContain('very-secret');
    expect(cipher.decrypt(envelope, 'acc_1')).toBe('sk-upstream-very-secret-1234');
  });

  it('uses a fresh IV each time', () => {
    expect(cipher.encrypt('same')).not.toBe(cipher.encrypt('same'));
  });

  it('refuses another context, another key and tampered data', () => {
    const envelope = cipher.encrypt('secret', 'acc_1');
    expect(() => cipher.decrypt(envelope, 'acc_2')).toThrow(SecretDecryptError);
    expect(() => createCredentialCipher(parseSecretKey('22'.repeat(32))).decrypt(envelope, 'acc_1')).toThrow(
      /GATEWAY_SECRET_KEY/,
    );
    const parts = envelope.split('.');
    // Change the first character for sure (the random ciphertext may already start with 'A').
    const flipped = parts[3]?.startsWith('A') ? 'B' : 'A';
    const tampered = [...parts.slice(0, 3), `${flipped}${parts[3]?.slice(1)}`].join('.');
    expect(() => cipher.decrypt(tampered, 'acc_1')).toThrow(SecretDecryptError);
    expect(() => cipher.decrypt('plain text', 'acc_1')).toThrow(SecretDecryptError);
  });
});

describe('secret key', () => {
  it('reads hex, base64 and base64url keys as the 32 bytes they encode', () => {
    const bytes = Buffer.alloc(32, 7);
    expect(parseSecretKey(bytes.toString('hex')).equals(bytes)).toBe(true);
    expect(parseSecretKey(bytes.toString('base64')).equals(bytes)).toBe(true);
    expect(parseSecretKey(bytes.toString('base64url')).equals(bytes)).toBe(true);
  });

  it('derives a stable key from a passphrase with scrypt', () => {
    const a = parseSecretKey('correct horse battery staple');
    expect(a).toHaveLength(32);
    expect(parseSecretKey('correct horse battery staple').equals(a)).toBe(true);
    expect(parseSecretKey('another passphrase entirely').equals(a)).toBe(false);
  });

  it('generates a 0600 key file once in embedded mode, warning on every start', () => {
    const dir = tempDir();
    const warnings: Record<string, unknown>[] = [];
    const warn = (_message: string, fields: Record<string, unknown>) => warnings.push(fields);
    const first = loadSecretKey({ dataDir: dir, warn });
    const second = loadSecretKey({ dataDir: dir, warn });
    expect(first.equals(second)).toBe(true);
    const path = join(dir, 'secret.key');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
    expect(warnings).toEqual([
      { key_file: path, generated: true },
      { key_file: path, generated: false },
    ]);
  });

  it('prefers GATEWAY_SECRET_KEY and then writes no file', () => {
    const dir = tempDir();
    const key = loadSecretKey({ secretKey: 'ab'.repeat(32), dataDir: dir });
    expect(key.toString('hex')).toBe('ab'.repeat(32));
    expect(() => statSync(join(dir, 'secret.key'))).toThrow();
  });
});

describe('fingerprints', () => {
  it('shows the scheme prefix and the last four characters only', () => {
    expect(fingerprint('sk-proj-abcdefghijklmnopa1b2')).toBe('sk-…a1b2');
    expect(fingerprint('sk-ant-api03-xxxxxxxxxxxxzz99')).toBe('sk-…zz99');
    expect(fingerprint('AIzaSyD-abcdefghijklmnop')).toBe('AIz…mnop');
    expect(fingerprint('short-key')).toBe('…');
  });
});

describe('api keys', () => {
  it('generates sk-relay- keys with at least 192 bits and stores only a sha256 hash', () => {
    const key = generateApiKey();
    expect(key.secret.startsWith(API_KEY_PREFIX)).toBe(true);
    const body = key.secret.slice(API_KEY_PREFIX.length);
    expect(body).toMatch(/^[0-9A-Za-z]{43}$/);
    expect(body.length * Math.log2(62)).toBeGreaterThanOrEqual(192);
    expect(key.hash).toBe(hashApiKey(key.secret));
    expect(key.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(key.secret.startsWith(key.prefix)).toBe(true);
    expect(key.prefix.length).toBeLessThan(20);
    const many = new Set(Array.from({ length: 200 }, () => generateApiKey().secret));
    expect(many.size).toBe(200);
  });
});
