import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fingerprint, SecretBox } from './secret-box.ts';

const SECRET = 'gateway-admin-token-that-must-not-leak';

describe('SecretBox (AES-256-GCM)', () => {
  it('round-trips and never stores the plaintext', () => {
    const box = SecretBox.fromSecretKey('manager-secret-key-0123456789');
    const sealed = box.seal(SECRET);
    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain(SECRET);
    expect(Buffer.from(sealed.split('.')[3] ?? '', 'base64url').toString('utf8')).not.toContain(SECRET);
    expect(box.open(sealed)).toBe(SECRET);
  });

  it('uses a fresh IV per seal', () => {
    const box = SecretBox.fromSecretKey('manager-secret-key-0123456789');
    expect(box.seal(SECRET)).not.toBe(box.seal(SECRET));
  });

  it('refuses a tampered value and a value sealed under another key', () => {
    const box = SecretBox.fromSecretKey('manager-secret-key-0123456789');
    const sealed = box.seal(SECRET);
    const [v, iv, tag, ct] = sealed.split('.') as [string, string, string, string];
    const flipped = Buffer.from(ct, 'base64url');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(() => box.open([v, iv, tag, flipped.toString('base64url')].join('.'))).toThrow();
    expect(() => SecretBox.fromSecretKey('another-secret-key-9876543210').open(sealed)).toThrow();
    expect(() => SecretBox.derivedFromAdminToken('manager-secret-key-0123456789').open(sealed)).toThrow();
    expect(() => box.open('not-sealed')).toThrow('not a sealed secret');
  });

  it('derives a working key from the admin token', () => {
    const box = SecretBox.derivedFromAdminToken('the-admin-token-0123456789');
    expect(box.open(box.seal(SECRET))).toBe(SECRET);
  });
});

describe('fingerprint', () => {
  it('shows a digest prefix and none of the secret', () => {
    const fp = fingerprint(SECRET);
    expect(fp).toBe(`sha256:${createHash('sha256').update(SECRET).digest('hex').slice(0, 12)}`);
    expect(fp).not.toContain(SECRET.slice(-4));
  });
});
