import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Anthropic from '@anthropic-ai/sdk';
import { type AdminClient, createAdminClient } from '@relay/admin-client';
import type {
  Account,
  AccountCreateInput,
  AccountGroup,
  ApiKey,
  ApiKeyCreateInput,
  Group,
  GroupCreateInput,
  UsageEvent,
  User,
  UserCreateInput,
} from '@relay/schemas';
import {
  freePort,
  type ManagedProcess,
  type MockUpstream,
  type MockUpstreamOptions,
  startMockUpstream,
  startTsxProcess,
  waitFor,
} from '@relay/testkit';
import OpenAI from 'openai';

/**
 * End-to-end support for the relay: the REAL gateway as a child process (embedded mode: PGlite in a
 * fresh temp dir, in-memory runtime state) plus in-process testkit mock upstreams whose faults a test
 * can switch, seeded through @relay/admin-client exactly as an operator would.
 *
 * One gateway per test file (a start costs 1–2 s); tests isolate themselves by creating their own
 * user, group, accounts, mocks and keys (`seedTenant`).
 */

export const E2E_ADMIN_TOKEN = 'relay-e2e-admin-token-0123456789';
const E2E_SECRET_KEY = 'relay-e2e-secret-key-0123456789abcdef';
/**
 * For the beforeAll that starts the gateway: PGlite's first start (initdb + migrations in WASM) takes
 * ~2 s on an idle machine but can take 30 s when the 2 shared cores are saturated.
 */
export const GATEWAY_START_TIMEOUT_MS = 120_000;
const SERVE_ENTRY = fileURLToPath(new URL('../../src/serve.ts', import.meta.url));

export interface RelayGateway {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  readonly url: string;
  readonly admin: AdminClient;
  readonly process: ManagedProcess;
  /** Its PGlite data directory (removed by `close`). */
  readonly dataDir: string;
  /** Stops the process (SIGTERM, then SIGKILL) and removes its data dir. */
  close(): Promise<void>;
}

/**
 * Starts `apps/gateway/src/serve.ts` with an explicit environment: nothing is inherited from the
 * test process (no DATABASE_URL / REDIS_URL leaks in), so it always runs embedded and isolated.
 * `env` adds or overrides gateway settings (e.g. GATEWAY_UPSTREAM_TIMEOUT_MS).
 */
export async function startRelayGateway(env: Record<string, string> = {}): Promise<RelayGateway> {
  const dataDir = await mkdtemp(join(tmpdir(), 'relay-e2e-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let child: ManagedProcess;
  try {
    child = await startTsxProcess(
      SERVE_ENTRY,
      {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        GATEWAY_HOST: '127.0.0.1',
        GATEWAY_PORT: String(port),
        GATEWAY_ADMIN_TOKEN: E2E_ADMIN_TOKEN,
        GATEWAY_SECRET_KEY: E2E_SECRET_KEY,
        GATEWAY_DATA_DIR: dataDir,
        ...env,
      },
      { cleanEnv: true, readyUrl: `${url}/readyz`, timeoutMs: GATEWAY_START_TIMEOUT_MS - 10_000 },
    );
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    admin: createAdminClient({ baseUrl: url, token: E2E_ADMIN_TOKEN, retries: 0 }),
    process: child,
    dataDir,
    close: async () => {
      await child.stop('SIGTERM', 5_000);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Mock upstreams started by a test file, all closed by `closeAll` (call it in afterEach/afterAll). */
export class MockUpstreams {
  private readonly started: MockUpstream[] = [];

  async start(options: MockUpstreamOptions = {}): Promise<MockUpstream> {
    const mock = await startMockUpstream(options);
    this.started.push(mock);
    return mock;
  }

  async closeAll(): Promise<void> {
    const mocks = this.started.splice(0);
    await Promise.all(mocks.map((mock) => mock.close()));
  }
}

let sequence = 0;
/** A name no other test of this run uses (group names are unique in the gateway). */
export function uniqueName(prefix: string): string {
  sequence += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${sequence}`;
}

export interface AccountSpec {
  mock: MockUpstream;
  /** Served models (empty = any). */
  models?: string[];
  /** The binding's priority override (lower wins). */
  priority?: number;
  account?: Partial<AccountCreateInput>;
}

export interface TenantSpec {
  platform: 'openai' | 'anthropic';
  accounts: AccountSpec[];
  user?: Partial<UserCreateInput>;
  group?: Partial<GroupCreateInput>;
  key?: Partial<ApiKeyCreateInput>;
}

export interface Tenant {
  user: User;
  group: Group;
  /** In the order of `spec.accounts`. */
  accounts: Account[];
  bindings: AccountGroup[];
  key: ApiKey;
  /** The key's plaintext `sk-relay-…`. */
  secret: string;
}

/**
 * A tenant of its own: user with a balance, a group, one account per mock (OpenAI accounts at
 * `${mock.url}/v1`, Anthropic ones at `mock.url`, as each SDK expects), the bindings and a key.
 */
export async function seedTenant(admin: AdminClient, spec: TenantSpec): Promise<Tenant> {
  const name = uniqueName(spec.platform);
  const user = await admin.users.create({ name, balance_usd: '100', ...spec.user });
  const group = await admin.groups.create({ name, platform: spec.platform, ...spec.group });
  const accounts: Account[] = [];
  const bindings: AccountGroup[] = [];
  for (const [index, accountSpec] of spec.accounts.entries()) {
    const { mock } = accountSpec;
    const account = await admin.accounts.create({
      name: `${name}-acc${index}`,
      platform: spec.platform,
      base_url: spec.platform === 'openai' ? `${mock.url}/v1` : mock.url,
      credential: mock.apiKey,
      models: accountSpec.models ?? [],
      ...accountSpec.account,
    });
    accounts.push(account);
    bindings.push(
      await admin.accountGroups.create({
        account_id: account.id,
        group_id: group.id,
        priority: accountSpec.priority ?? null,
      }),
    );
  }
  const { api_key, secret } = await admin.apiKeys.create({
    user_id: user.id,
    group_id: group.id,
    name,
    ...spec.key,
  });
  return { user, group, accounts, bindings, key: api_key, secret };
}

/** Another key of the tenant (same user and group). */
export async function addKey(
  admin: AdminClient,
  tenant: Tenant,
  overrides: Partial<ApiKeyCreateInput> = {},
): Promise<{ key: ApiKey; secret: string }> {
  const { api_key, secret } = await admin.apiKeys.create({
    user_id: tenant.user.id,
    group_id: tenant.group.id,
    name: uniqueName('key'),
    ...overrides,
  });
  return { key: api_key, secret };
}

/** What the gateway returns in `x-request-id` on /v1/*: always its own id, never the caller's (ADR 0006). */
export const GATEWAY_REQUEST_ID = /^req_[0-9a-f]{32}$/;

/**
 * The request id the gateway returned in a tenant response's `x-request-id` (the response of an SDK
 * call's `.withResponse()`, an `APIError`'s headers or a raw answer): the key of its usage event.
 * Throws when it is missing or not gateway-made, so a test never looks up some other request's event.
 */
export function requestIdOf(headers: Headers | undefined): string {
  const id = headers?.get('x-request-id');
  if (typeof id !== 'string' || !GATEWAY_REQUEST_ID.test(id)) {
    throw new Error(`expected a gateway-made x-request-id, got ${String(id)}`);
  }
  return id;
}

/**
 * The usage event of one request (its id from `requestIdOf`), polled until written (the writer
 * batches every ~100 ms). Fails when more than one event carries the request id.
 */
export async function usageEventOf(admin: AdminClient, requestId: string): Promise<UsageEvent> {
  const items = await waitFor(
    async () => {
      const page = await admin.usage.events({ request_id: requestId });
      return page.items.length > 0 ? page.items : undefined;
    },
    { timeoutMs: 10_000, intervalMs: 25, message: `usage event of ${requestId}` },
  );
  const [event, ...more] = items ?? [];
  if (event === undefined || more.length > 0) {
    throw new Error(`expected one usage event for ${requestId}, got ${items?.length ?? 0}`);
  }
  return event;
}

/**
 * Every usage event of a key once at least `expected` are written, oldest first. Callers assert the
 * exact count: the events of requests already answered are all enqueued, so more cannot appear later.
 */
export async function usageEventsOfKey(
  admin: AdminClient,
  apiKeyId: string,
  expected: number,
): Promise<UsageEvent[]> {
  const items = await waitFor(
    async () => {
      const all = await admin.usage.events({ api_key_id: apiKeyId, limit: 500 });
      return all.items.length >= expected ? all.items : undefined;
    },
    { timeoutMs: 10_000, intervalMs: 25, message: `${expected} usage events of ${apiKeyId}` },
  );
  return [...(items ?? [])].reverse();
}

export function openaiClient(
  gateway: RelayGateway,
  secret: string,
  options: { viaXApiKey?: boolean } = {},
): OpenAI {
  return new OpenAI({
    baseURL: `${gateway.url}/v1`,
    maxRetries: 0,
    timeout: 15_000,
    ...(options.viaXApiKey
      ? // The SDK always has a key; null drops its Authorization header so only x-api-key is sent.
        { apiKey: 'unused', defaultHeaders: { authorization: null, 'x-api-key': secret } }
      : { apiKey: secret }),
  });
}

export function anthropicClient(
  gateway: RelayGateway,
  secret: string,
  options: { viaBearer?: boolean } = {},
): Anthropic {
  return new Anthropic({
    baseURL: gateway.url,
    maxRetries: 0,
    timeout: 15_000,
    ...(options.viaBearer ? { apiKey: null, authToken: secret } : { apiKey: secret }),
  });
}

export interface RawAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

/** A plain HTTP call to the gateway (for what an SDK would hide: raw envelopes, headers, bad bodies). */
export async function callGateway(
  gateway: RelayGateway,
  path: string,
  init: {
    method?: string;
    secret?: string;
    body?: unknown;
    rawBody?: string;
    headers?: Record<string, string>;
  },
): Promise<RawAnswer> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...init.headers };
  if (init.secret !== undefined) headers.authorization = `Bearer ${init.secret}`;
  const response = await fetch(`${gateway.url}${path}`, {
    method: init.method ?? 'POST',
    headers,
    body: init.rawBody ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** A small chat body; distinct `content` per call keeps the conversation-hash session apart. */
export function chatBody(content = 'Reply with pong only', extra: Record<string, unknown> = {}) {
  return { model: 'gpt-4o-mini', messages: [{ role: 'user', content }], ...extra };
}
