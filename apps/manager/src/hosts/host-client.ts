import type { AdminClient } from '@relay/admin-client';
import { createAdminClient } from '@relay/admin-client';

export type HostCredentials = { baseUrl: string; token: string };

/** Builds the admin-API client of one host; injected so tests can point it anywhere. */
export type HostClientFactory = (host: HostCredentials, purpose: 'probe' | 'write') => AdminClient;

/**
 * Probes fail fast and never retry (a probe that waits 30 s on a dead host tells the operator nothing more);
 * writes keep the client's retries, which are safe because every POST carries an Idempotency-Key.
 */
export const defaultHostClientFactory: HostClientFactory = (host, purpose) =>
  createAdminClient({
    baseUrl: host.baseUrl,
    token: host.token,
    userAgent: 'relay-manager/0.1',
    ...(purpose === 'probe' ? { timeoutMs: 5_000, retries: 0 } : { timeoutMs: 15_000, retries: 2 }),
  });
