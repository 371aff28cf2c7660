import type { DomainEvent } from '../domain/events.ts';
import type { FailureThrottle } from '../http/failure-throttle.ts';
import type { CredentialCipher } from '../secrets/index.ts';
import type { Store } from '../store/index.ts';

/** A committed admin mutation, for whoever caches admin state (the relay's tenant directory). */
export interface AdminChange {
  method: string;
  path: string;
}

/** What the admin API needs; built once by services.ts (or by a test). */
export interface AdminDeps {
  store: Store;
  cipher: CredentialCipher;
  /** GATEWAY_ADMIN_TOKEN. */
  adminToken: string;
  /** Wrong tokens per client address before 429 ADMIN_AUTH_THROTTLED; absent = not throttled. */
  authThrottle?: FailureThrottle;
  /** Gateway build version, reported by capabilities. */
  version: string;
  /** Extra capability flags announced by other parts of the gateway (e.g. `anthropic-messages`). */
  features?: readonly string[];
  /** Time limit of `POST /accounts/:id/test` (default 15 s). */
  accountTestTimeoutMs?: number;
  /** Retention of idempotency records (default 24 h). */
  idempotencyTtlSeconds?: number;
  /** Called after every successful mutation (cache invalidation). */
  onChange?: (change: AdminChange) => void;
  /** Facts announced by admin actions after they commit (e.g. a cleared cooldown). */
  onEvent?: (event: DomainEvent) => void;
  now?: () => Date;
}
