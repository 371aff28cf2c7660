import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { type AdminClient, createAdminClient } from '@relay/admin-client';
import type { AdminDeps } from '../../src/admin/index.ts';
import { createCredentialCipher, loadSecretKey } from '../../src/secrets/index.ts';
import { createStore, type OpenedDatabase, openDatabase, type Store } from '../../src/store/index.ts';
import { buildTestApp, TEST_ADMIN_TOKEN } from '../support/test-app.ts';

export { TEST_ADMIN_TOKEN };

export interface AdminHarness {
  /** Typed client pointed at the listening app. */
  client: AdminClient;
  /** Same client with a wrong token. */
  badClient: AdminClient;
  baseUrl: string;
  store: Store;
  database: OpenedDatabase;
  app: ReturnType<typeof buildTestApp>['app'];
  logs: ReturnType<typeof buildTestApp>['logs'];
  /** Mutations the app reported through `onChange`. */
  changes: { method: string; path: string }[];
  close(): Promise<void>;
}

/**
 * The real app (createApp with the admin API wired in) on an in-memory PGlite, listening on an
 * ephemeral port so @relay/admin-client talks to it over HTTP, as the manager does.
 */
export async function startAdminHarness(overrides: Partial<AdminDeps> = {}): Promise<AdminHarness> {
  const database = await openDatabase({ memory: true });
  const store = createStore(database.db);
  const changes: { method: string; path: string }[] = [];
  const admin: AdminDeps = {
    store,
    cipher: createCredentialCipher(loadSecretKey({ ephemeral: true })),
    adminToken: TEST_ADMIN_TOKEN,
    version: 'test',
    accountTestTimeoutMs: 5_000,
    onChange: (change) => changes.push(change),
    ...overrides,
  };
  const { app, logs } = buildTestApp({ admin });
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    client: createAdminClient({ baseUrl, token: TEST_ADMIN_TOKEN, retries: 0 }),
    badClient: createAdminClient({ baseUrl, token: 'not-the-admin-token', retries: 0 }),
    baseUrl,
    store,
    database,
    app,
    logs,
    changes,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await database.close();
    },
  };
}

/** The AdminApiError a call rejects with (fails the test when it resolves). */
export async function apiError(
  promise: Promise<unknown>,
): Promise<{ status: number; code: string; details: unknown; message: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { status?: number; code?: string; details?: unknown; message: string };
    if (typeof e.status === 'number' && typeof e.code === 'string') {
      return { status: e.status, code: e.code, details: e.details, message: e.message };
    }
    throw error;
  }
  throw new Error('expected the call to fail with an admin API error');
}
