import type { Clock } from '../clock.ts';
import type { ManagerConfig } from '../config.ts';
import { constantTimeEqual } from '../crypto/constant-time.ts';
import { ManagerError } from '../errors.ts';
import type { Store } from '../store/store.ts';
import { LoginThrottle } from './login-throttle.ts';
import { hashSessionId, SESSION_COOKIE, SessionCookieSigner } from './session-cookie.ts';

/** Who is calling: the bearer admin token (scripts) or a logged-in session (the console). */
export type Principal =
  | { via: 'token'; actor: 'token:admin' }
  | { via: 'session'; actor: `session:${string}`; username: string; expiresAt: number };

export type LoginResult = { cookie: string; username: string; expiresAt: number };

/**
 * Admin authentication (docs/architecture.md#the-manager): a bearer token compared in constant time, or a signed session
 * cookie backed by a server-side row. The login password is MANAGER_ADMIN_PASSWORD, or the admin token
 * when no password is configured (sub2api CRM's behaviour).
 */
export class AuthService {
  readonly #signer: SessionCookieSigner;

  constructor(
    private readonly config: Pick<
      ManagerConfig,
      'adminToken' | 'adminUsername' | 'adminPassword' | 'sessionTtlMs' | 'cookieSecure'
    >,
    private readonly store: Store,
    private readonly throttle: LoginThrottle,
    private readonly clock: Clock,
    /** Wrong bearer tokens, counted apart from failed logins: a script keeps working while login is throttled. */
    private readonly bearerThrottle: LoginThrottle = new LoginThrottle(clock),
  ) {
    this.#signer = new SessionCookieSigner(config.adminToken);
  }

  /**
   * Undefined when no bearer token was sent; throws INVALID_TOKEN for a wrong one. The token is also
   * the default login password, so guessing it is throttled too: an address with too many wrong tokens
   * gets AUTH_THROTTLED (with Retry-After) without its token being compared, so a right guess cannot be
   * told from a wrong one. Other addresses, and this address's logins, are unaffected.
   */
  authenticateBearer(authorization: string | undefined, clientIp: string): Principal | undefined {
    if (authorization === undefined) return undefined;
    const waitMs = this.bearerThrottle.retryAfterMs(clientIp);
    if (waitMs > 0) {
      const seconds = Math.ceil(waitMs / 1000);
      throw new ManagerError(
        'AUTH_THROTTLED',
        `too many wrong credentials from this address; retry in ${seconds}s`,
        undefined,
        { headers: { 'Retry-After': String(seconds) } },
      );
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match === null || !constantTimeEqual(match[1] ?? '', this.config.adminToken)) {
      this.bearerThrottle.recordFailure(clientIp);
      throw new ManagerError('INVALID_TOKEN', 'the bearer token is not valid for this manager');
    }
    return { via: 'token', actor: 'token:admin' };
  }

  /** The live session a cookie value names, or undefined (unsigned, unknown, expired or logged out). */
  authenticateCookie(cookieValue: string | undefined): Principal | undefined {
    if (cookieValue === undefined) return undefined;
    const sessionId = this.#signer.verify(cookieValue);
    if (sessionId === undefined) return undefined;
    const row = this.store.sessions.findLive(hashSessionId(sessionId), this.clock());
    if (row === undefined) return undefined;
    return {
      via: 'session',
      actor: `session:${row.username}`,
      username: row.username,
      expiresAt: row.expiresAt,
    };
  }

  /** Throws LOGIN_THROTTLED (with Retry-After) or INVALID_CREDENTIALS; records failures for throttling. */
  login(input: {
    username: string;
    password: string;
    clientIp: string;
    userAgent: string | undefined;
  }): LoginResult {
    const waitMs = this.throttle.retryAfterMs(input.clientIp);
    if (waitMs > 0) {
      const seconds = Math.ceil(waitMs / 1000);
      throw new ManagerError(
        'LOGIN_THROTTLED',
        `too many failed logins from this address; retry in ${seconds}s`,
        undefined,
        {
          headers: { 'Retry-After': String(seconds) },
        },
      );
    }
    const expectedPassword = this.config.adminPassword ?? this.config.adminToken;
    // Both compared unconditionally so the time taken does not say which one was wrong.
    const userOk = constantTimeEqual(input.username, this.config.adminUsername);
    const passwordOk = constantTimeEqual(input.password, expectedPassword);
    if (!(userOk && passwordOk)) {
      this.throttle.recordFailure(input.clientIp);
      throw new ManagerError('INVALID_CREDENTIALS', 'wrong username or password');
    }
    this.throttle.recordSuccess(input.clientIp);
    const now = this.clock();
    const sessionId = this.#signer.newSessionId();
    const expiresAt = now + this.config.sessionTtlMs;
    this.store.transaction(() => {
      this.store.sessions.prune(now);
      this.store.sessions.insert({
        idHash: hashSessionId(sessionId),
        username: this.config.adminUsername,
        clientIp: input.clientIp,
        userAgent: input.userAgent?.slice(0, 256) ?? null,
        createdAt: now,
        expiresAt,
      });
    });
    return {
      cookie: this.#setCookie(
        this.#signer.sign(sessionId),
        expiresAt,
        Math.floor(this.config.sessionTtlMs / 1000),
      ),
      username: this.config.adminUsername,
      expiresAt,
    };
  }

  /** Revokes the cookie's session (if any) and returns the Set-Cookie header that clears it. */
  logout(cookieValue: string | undefined): string {
    const sessionId = cookieValue === undefined ? undefined : this.#signer.verify(cookieValue);
    if (sessionId !== undefined) this.store.sessions.revoke(hashSessionId(sessionId), this.clock());
    return this.#setCookie('', 0, 0);
  }

  #setCookie(value: string, expiresAt: number, maxAge: number): string {
    const parts = [
      `${SESSION_COOKIE}=${value}`,
      'Path=/',
      'HttpOnly',
      'SameSite=Strict',
      `Max-Age=${maxAge}`,
      `Expires=${new Date(maxAge === 0 ? 0 : expiresAt).toUTCString()}`,
    ];
    if (this.config.cookieSecure) parts.push('Secure');
    return parts.join('; ');
  }
}
