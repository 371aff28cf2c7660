import {
  type AccessReport,
  type Account,
  type AccountTestRequest,
  type AccountTestResult,
  type ApiKey,
  type ApiKeyCreated,
  type ApiKeyRotateInput,
  type AuditEvent,
  type AuditEventListQueryInput,
  accessReportSchema,
  accountSchema,
  accountTestResultSchema,
  apiKeyCreatedSchema,
  apiKeySchema,
  auditEventSchema,
  type Capabilities,
  capabilitiesSchema,
  type ListResponse,
  listResponseSchema,
  type UsageEvent,
  type UsageEventListQueryInput,
  type UsageSummary,
  type UsageSummaryQueryInput,
  usageEventSchema,
  usageSummarySchema,
} from '@relay/schemas';
import {
  ADMIN_PREFIX,
  type CollectionOf,
  type CreateOptions,
  collectAll,
  createCollection,
  idempotencyHeaders,
  itemPath,
} from './collection.ts';
import { AdminApiError } from './errors.ts';
import { call, type HttpRequest, send, type TransportOptions } from './transport.ts';

export interface AdminClientOptions {
  /** Gateway root, e.g. `http://gateway:8080` (admin routes live under `/admin/v1`). */
  baseUrl: string;
  /** GATEWAY_ADMIN_TOKEN. */
  token: string;
  /** Per attempt, including reading the body. Default 10 000. */
  timeoutMs?: number;
  /** Extra attempts after a network error or 5xx. Default 2. */
  retries?: number;
  /** First backoff step; doubles per retry, with jitter. Default 100. */
  retryBaseMs?: number;
  fetch?: typeof fetch;
  userAgent?: string;
}

export type AccessTarget =
  | { group_id: string; api_key_id?: never }
  | { api_key_id: string; group_id?: never };

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  /** Parsed JSON when the answer is JSON, else the text. */
  body: unknown;
}

export interface AdminClient {
  capabilities(): Promise<Capabilities>;
  /** `GET /healthz` body (`ok`); throws AdminApiError unless 2xx. */
  healthz(): Promise<string>;
  /** `GET /readyz` as is: 503 is an answer here, not an error. */
  readyz(): Promise<{ status: number; body: unknown }>;
  users: CollectionOf<'users'>;
  groups: CollectionOf<'groups'>;
  accounts: CollectionOf<'accounts'> & {
    /** One tiny upstream call through the account. */
    test(id: string, body?: AccountTestRequest): Promise<AccountTestResult>;
    clearCooldown(id: string, options?: CreateOptions): Promise<Account>;
  };
  apiKeys: CollectionOf<'api-keys'> & {
    revoke(id: string, options?: CreateOptions): Promise<ApiKey>;
    /** New secret; the old key keeps working for `grace_seconds`. Pass an idempotencyKey to allow retries. */
    rotate(id: string, body?: ApiKeyRotateInput, options?: CreateOptions): Promise<ApiKeyCreated>;
  };
  channels: CollectionOf<'channels'>;
  accountGroups: CollectionOf<'account-groups'>;
  channelGroups: CollectionOf<'channel-groups'>;
  prices: CollectionOf<'prices'>;
  /** Access-closure report for a group or a key (optionally for one model). */
  access(target: AccessTarget, model?: string): Promise<AccessReport>;
  usage: {
    events(query?: UsageEventListQueryInput): Promise<ListResponse<UsageEvent>>;
    summary(query?: UsageSummaryQueryInput): Promise<UsageSummary>;
  };
  auditEvents: {
    list(query?: AuditEventListQueryInput): Promise<ListResponse<AuditEvent>>;
    listAll(query?: Omit<AuditEventListQueryInput, 'cursor'>): Promise<AuditEvent[]>;
  };
  /**
   * Any other request; `path` is from the base URL (e.g. `/admin/v1/openapi.json`). Never throws
   * on an HTTP status; retried like the typed calls (POST only with an Idempotency-Key header).
   */
  raw(
    method: HttpRequest['method'],
    path: string,
    init?: { body?: unknown; headers?: Record<string, string>; query?: object },
  ): Promise<RawResponse>;
}

const DEFAULT_USER_AGENT = 'relay-admin-client/0.1';

export function createAdminClient(options: AdminClientOptions): AdminClient {
  const opts: TransportOptions = {
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    token: options.token,
    timeoutMs: options.timeoutMs ?? 10_000,
    retries: Math.max(0, Math.floor(options.retries ?? 2)),
    retryBaseMs: options.retryBaseMs ?? 100,
    fetch: options.fetch ?? globalThis.fetch,
    userAgent: options.userAgent ?? DEFAULT_USER_AGENT,
  };
  const get = async <S extends Parameters<typeof call>[2]>(path: string, schema: S, query?: object) =>
    (await call(opts, { method: 'GET', path: `${ADMIN_PREFIX}${path}`, query }, schema)).data;
  const post = async <S extends Parameters<typeof call>[2]>(
    path: string,
    schema: S,
    body: unknown,
    createOptions?: CreateOptions,
  ) =>
    (await call(opts, { method: 'POST', path, body, headers: idempotencyHeaders(createOptions) }, schema))
      .data;

  const auditList = (query?: object) => get('/audit-events', listResponseSchema(auditEventSchema), query);

  return {
    capabilities: () => get('/capabilities', capabilitiesSchema),
    healthz: async () => {
      const req: HttpRequest = { method: 'GET', path: '/healthz' };
      const res = await send(opts, req);
      if (res.status >= 300) {
        throw new AdminApiError({
          method: 'GET',
          path: '/healthz',
          status: res.status,
          code: 'HTTP_ERROR',
          message: res.text.slice(0, 500),
          requestId: res.headers.get('x-request-id'),
        });
      }
      return res.text;
    },
    readyz: async () => {
      const res = await send(opts, { method: 'GET', path: '/readyz', retry5xx: false });
      return { status: res.status, body: decodeBody(res.text, res.headers) };
    },
    users: createCollection(opts, 'users'),
    groups: createCollection(opts, 'groups'),
    accounts: {
      ...createCollection(opts, 'accounts'),
      test: (id, body) => post(itemPath('accounts', id, 'test'), accountTestResultSchema, body ?? {}),
      clearCooldown: (id, o) => post(itemPath('accounts', id, 'clear-cooldown'), accountSchema, {}, o),
    },
    apiKeys: {
      ...createCollection(opts, 'api-keys'),
      revoke: (id, o) => post(itemPath('api-keys', id, 'revoke'), apiKeySchema, {}, o),
      rotate: (id, body, o) => post(itemPath('api-keys', id, 'rotate'), apiKeyCreatedSchema, body ?? {}, o),
    },
    channels: createCollection(opts, 'channels'),
    accountGroups: createCollection(opts, 'account-groups'),
    channelGroups: createCollection(opts, 'channel-groups'),
    prices: createCollection(opts, 'prices'),
    access: (target, model) => get('/access', accessReportSchema, { ...target, model }),
    usage: {
      events: (query) => get('/usage/events', listResponseSchema(usageEventSchema), query),
      summary: (query) => get('/usage/summary', usageSummarySchema, query),
    },
    auditEvents: {
      list: auditList,
      listAll: (query) =>
        collectAll(`${ADMIN_PREFIX}/audit-events`, (cursor) => auditList({ limit: 500, ...query, cursor })),
    },
    raw: async (method, path, init) => {
      const res = await send(opts, {
        method,
        path: path.startsWith('/') ? path : `/${path}`,
        body: init?.body,
        headers: init?.headers,
        query: init?.query,
      });
      return {
        status: res.status,
        headers: Object.fromEntries(res.headers.entries()),
        body: decodeBody(res.text, res.headers),
      };
    },
  };
}

function decodeBody(text: string, headers: Headers): unknown {
  if (!(headers.get('content-type') ?? '').includes('json')) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
