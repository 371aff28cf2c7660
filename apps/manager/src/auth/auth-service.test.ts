import { afterEach, describe, expect, it } from 'vitest';
import { TestClock, testConfig } from '../../test/support/test-services.ts';
import { openDatabase } from '../db/database.ts';
import { ManagerError } from '../errors.ts';
import { isSameOrigin } from '../http/auth.ts';
import type { Store } from '../store/store.ts';
import { createStore } from '../store/store.ts';
import { AuthService } from './auth-service.ts';
import { LoginThrottle } from './login-throttle.ts';
import { SESSION_COOKIE } from './session-cookie.ts';

const TOKEN = 'unit-test-admin-token-0123456789';
const IP = '192.0.2.1';
let store: Store;
afterEach(() => store?.database.close());

function setup(env: Record<string, string> = {}) {
  store = createStore(openDatabase(':memory:'));
  const clock = new TestClock();
  const config = testConfig({ MANAGER_ADMIN_TOKEN: TOKEN, MANAGER_ADMIN_SESSION_TTL: '1h', ...env });
  const auth = new AuthService(config, store, new LoginThrottle(clock.now), clock.now);
  return { auth, clock };
}

function caught(fn: () => unknown): ManagerError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ManagerError) return error;
    throw error;
  }
  throw new Error('expected a ManagerError');
}

const cookieValue = (setCookie: string) => setCookie.split(';')[0]?.slice(`${SESSION_COOKIE}=`.length) ?? '';
const login = (auth: AuthService, password: string, clientIp = '192.0.2.1') =>
  auth.login({ username: 'admin', password, clientIp, userAgent: 'vitest' });

describe('bearer token', () => {
  it('accepts the admin token and refuses anything else', () => {
    const { auth } = setup();
    expect(auth.authenticateBearer(`Bearer ${TOKEN}`, IP)).toEqual({ via: 'token', actor: 'token:admin' });
    expect(auth.authenticateBearer(`bearer ${TOKEN}`, IP)).toMatchObject({ via: 'token' });
    expect(auth.authenticateBearer(undefined, IP)).toBeUndefined();
    for (const header of [
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      `Basic ${TOKEN}`,
      'Bearer',
      `Bearer ${TOKEN} extra`,
    ]) {
      expect(caught(() => auth.authenticateBearer(header, `192.0.2.${header.length}`)).code).toBe(
        'INVALID_TOKEN',
      );
    }
  });

  it('throttles wrong tokens per address (the token is the default password); logins count apart', () => {
    const { auth, clock } = setup();
    let checked = 0;
    for (let i = 0; i < 300; i++) {
      const error = caught(() => auth.authenticateBearer(`Bearer wrong-${i}`, IP));
      if (error.code === 'INVALID_TOKEN') checked += 1;
      else expect(error.code).toBe('AUTH_THROTTLED');
      clock.advance(10);
    }
    expect(checked).toBe(5);
    const throttled = caught(() => auth.authenticateBearer(`Bearer ${TOKEN}`, IP));
    expect(throttled).toMatchObject({ code: 'AUTH_THROTTLED', status: 429 });
    expect(Number(throttled.headers['Retry-After'])).toBeGreaterThan(0);
    expect(login(auth, TOKEN, IP).username).toBe('admin');
    expect(auth.authenticateBearer(`Bearer ${TOKEN}`, '198.51.100.7')).toMatchObject({ via: 'token' });
    clock.advance(15 * 60_000);
    expect(auth.authenticateBearer(`Bearer ${TOKEN}`, IP)).toMatchObject({ via: 'token' });
    console.log(`[figure] manager bearer: wrong tokens checked before throttling: ${checked} of 300`);
  });
});

describe('login and sessions', () => {
  it('uses the admin token as the password when none is configured (sub2api CRM behaviour)', () => {
    const { auth } = setup();
    const result = login(auth, TOKEN);
    expect(result.username).toBe('admin');
    expect(auth.authenticateCookie(cookieValue(result.cookie))).toMatchObject({
      via: 'session',
      actor: 'session:admin',
    });
  });

  it('uses MANAGER_ADMIN_PASSWORD when configured, and then the token is not a password', () => {
    const { auth } = setup({ MANAGER_ADMIN_PASSWORD: 'correct horse battery staple' });
    expect(caught(() => login(auth, TOKEN)).code).toBe('INVALID_CREDENTIALS');
    expect(login(auth, 'correct horse battery staple').username).toBe('admin');
  });

  it('refuses a wrong username even with the right password', () => {
    const { auth } = setup();
    expect(
      caught(() =>
        auth.login({ username: 'root', password: TOKEN, clientIp: '192.0.2.1', userAgent: undefined }),
      ).code,
    ).toBe('INVALID_CREDENTIALS');
  });

  it('sets an HttpOnly, SameSite=Strict, Secure cookie that lives for the TTL', () => {
    const { auth, clock } = setup({ MANAGER_COOKIE_SECURE: 'true' });
    const { cookie, expiresAt } = login(auth, TOKEN);
    const attributes = cookie.split('; ');
    expect(attributes).toEqual(
      expect.arrayContaining([
        'Path=/',
        'HttpOnly',
        'SameSite=Strict',
        'Secure',
        'Max-Age=3600',
        `Expires=${new Date(expiresAt).toUTCString()}`,
      ]),
    );
    expect(expiresAt).toBe(clock.now() + 3_600_000);
  });

  it('omits Secure only when MANAGER_COOKIE_SECURE=false', () => {
    const { auth } = setup({ MANAGER_COOKIE_SECURE: 'false' });
    expect(login(auth, TOKEN).cookie.split('; ')).not.toContain('Secure');
  });

  it('expires sessions after the TTL', () => {
    const { auth, clock } = setup();
    const value = cookieValue(login(auth, TOKEN).cookie);
    clock.advance(3_600_000 - 1);
    expect(auth.authenticateCookie(value)).toBeDefined();
    clock.advance(1);
    expect(auth.authenticateCookie(value)).toBeUndefined();
  });

  it('revokes the session on logout and answers a clearing cookie', () => {
    const { auth } = setup();
    const value = cookieValue(login(auth, TOKEN).cookie);
    const cleared = auth.logout(value);
    expect(cleared).toMatch(
      new RegExp(`^${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; `),
    );
    expect(auth.authenticateCookie(value)).toBeUndefined();
  });

  it('rejects forged, tampered and foreign cookies', () => {
    const { auth } = setup();
    const value = cookieValue(login(auth, TOKEN).cookie);
    const [id, mac] = value.split('.') as [string, string];
    // Change the last character to a different one (a fixed replacement equals the original 1 time in 64;
    // A↔B differ only in base64url's spare bits, which the check must not ignore).
    const tamper = (text: string) => `${text.slice(0, -1)}${text.endsWith('A') ? 'B' : 'A'}`;
    expect(auth.authenticateCookie(`${id}.${tamper(mac)}`)).toBeUndefined();
    expect(auth.authenticateCookie(`${tamper(id)}.${mac}`)).toBeUndefined();
    expect(auth.authenticateCookie(id)).toBeUndefined();
    expect(auth.authenticateCookie('')).toBeUndefined();
    // A cookie signed by a manager with another admin token.
    const other = new AuthService(
      testConfig({ MANAGER_ADMIN_TOKEN: 'another-admin-token-987654321' }),
      store,
      new LoginThrottle(() => 0),
      () => 0,
    );
    expect(other.authenticateCookie(value)).toBeUndefined();
  });

  it('rejects a MAC spelled differently in base64url spare bits (decodes to the same bytes)', () => {
    const { auth } = setup();
    const [id, mac] = cookieValue(login(auth, TOKEN).cookie).split('.') as [string, string];
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // A 32-byte MAC is 43 characters: the last one carries 4 bits of data and 2 spare bits.
    const last = alphabet.indexOf(mac.slice(-1));
    const respelled = `${mac.slice(0, -1)}${alphabet[last ^ 1]}`;
    expect(Buffer.from(respelled, 'base64url').equals(Buffer.from(mac, 'base64url'))).toBe(true);
    expect(auth.authenticateCookie(`${id}.${respelled}`)).toBeUndefined();
  });

  it('keeps only a hash of the session id in the database', () => {
    const { auth } = setup();
    const [id] = cookieValue(login(auth, TOKEN).cookie).split('.') as [string];
    const rows = store.database.sqlite.prepare('SELECT id_hash FROM sessions').all() as { id_hash: string }[];
    expect(rows).toHaveLength(1);
    expect(rows[0]?.id_hash).not.toContain(id);
  });
});

describe('login throttling', () => {
  it('refuses the 6th attempt after 5 failures in 15 minutes with Retry-After, even with the right password', () => {
    const { auth, clock } = setup();
    for (let i = 0; i < 5; i++) {
      expect(caught(() => login(auth, 'wrong')).code).toBe('INVALID_CREDENTIALS');
      clock.advance(1000);
    }
    const throttled = caught(() => login(auth, TOKEN));
    expect(throttled.code).toBe('LOGIN_THROTTLED');
    expect(throttled.status).toBe(429);
    // The first failure leaves the 15-minute window 15 min after it happened (5 s ago).
    expect(throttled.headers['Retry-After']).toBe(String(15 * 60 - 5));
  });

  it('throttles per client address', () => {
    const { auth } = setup();
    for (let i = 0; i < 5; i++) caught(() => login(auth, 'wrong', '192.0.2.1'));
    expect(caught(() => login(auth, TOKEN, '192.0.2.1')).code).toBe('LOGIN_THROTTLED');
    expect(login(auth, TOKEN, '198.51.100.7').username).toBe('admin');
  });

  it('lets the address try again once the window has passed', () => {
    const { auth, clock } = setup();
    for (let i = 0; i < 5; i++) caught(() => login(auth, 'wrong'));
    clock.advance(15 * 60_000);
    expect(login(auth, TOKEN).username).toBe('admin');
  });

  it('forgets failures after a successful login', () => {
    const { auth } = setup();
    for (let i = 0; i < 4; i++) caught(() => login(auth, 'wrong'));
    login(auth, TOKEN);
    for (let i = 0; i < 4; i++) caught(() => login(auth, 'wrong'));
    expect(login(auth, TOKEN).username).toBe('admin');
  });
});

describe('isSameOrigin', () => {
  it.each([
    ['same-origin', undefined, 'manager.example', true],
    ['cross-site', 'https://manager.example', 'manager.example', false],
    ['same-site', undefined, 'manager.example', false],
    [undefined, 'https://manager.example', 'manager.example', true],
    [undefined, 'http://127.0.0.1:18190', '127.0.0.1:18190', true],
    [undefined, 'http://127.0.0.1:18191', '127.0.0.1:18190', false],
    [undefined, 'https://evil.example', 'manager.example', false],
    [undefined, 'null', 'manager.example', false],
    [undefined, undefined, 'manager.example', false],
  ])('sec-fetch-site=%s origin=%s host=%s → %s', (site, origin, host, expected) => {
    expect(isSameOrigin(site, origin, host)).toBe(expected);
  });
});
