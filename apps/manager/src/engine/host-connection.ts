import { AdminApiError, AdminNetworkError, AdminProtocolError } from '@relay/admin-client';
import type { SecretBox } from '../crypto/secret-box.ts';
import type { HostRow } from '../db/schema.ts';
import { ManagerError } from '../errors.ts';
import type { HostClientFactory } from '../hosts/host-client.ts';
import type { Store } from '../store/store.ts';
import { RemoteResources } from './remote-resources.ts';

/** Opens a registered host's admin API for the import lifecycle (writes keep the client's retries). */
export class HostConnections {
  constructor(
    private readonly store: Store,
    private readonly secrets: SecretBox,
    private readonly clients: HostClientFactory,
  ) {}

  host(hostId: string): HostRow {
    const host = this.store.hosts.get(hostId);
    if (host === undefined) throw new ManagerError('NOT_FOUND', `host ${hostId} not found`);
    return host;
  }

  open(hostId: string): { host: HostRow; remote: RemoteResources } {
    const host = this.host(hostId);
    let token: string;
    try {
      token = this.secrets.open(host.tokenCiphertext);
    } catch {
      throw new ManagerError(
        'CONFLICT',
        `the stored credentials of host ${hostId} cannot be decrypted (was MANAGER_SECRET_KEY changed?); PATCH the host with a new admin_token`,
      );
    }
    return { host, remote: new RemoteResources(this.clients({ baseUrl: host.baseUrl, token }, 'write')) };
  }
}

/**
 * A failed read of a host as a ManagerError: unreachable → 502 HOST_UNREACHABLE, an error answer → 502
 * HOST_ERROR (with the gateway's code), so a caller knows nothing was decided. Other errors pass through.
 */
export function hostReadError(hostId: string, error: unknown): unknown {
  if (error instanceof ManagerError) return error;
  if (error instanceof AdminNetworkError) {
    return new ManagerError('HOST_UNREACHABLE', `host ${hostId} did not answer: ${error.message}`);
  }
  if (error instanceof AdminApiError) {
    return new ManagerError(
      'HOST_ERROR',
      `host ${hostId} answered ${error.status} ${error.code}: ${error.message}`,
      {
        status: error.status,
        code: error.code,
      },
    );
  }
  if (error instanceof AdminProtocolError) {
    return new ManagerError('HOST_ERROR', `host ${hostId} answered something unexpected: ${error.message}`);
  }
  return error;
}

/** Runs a read against a host, mapping its failures with hostReadError. */
export async function readingHost<T>(hostId: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw hostReadError(hostId, error);
  }
}
