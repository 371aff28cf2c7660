import type { AdminClient } from '@relay/admin-client';
import {
  ADMIN_ERROR_STATUS,
  ADMIN_RESOURCE_PATHS,
  ADMIN_RESOURCES,
  type AdminResourcePath,
  apiErrorEnvelopeSchema,
} from '@relay/schemas';
import { expect } from 'vitest';
import { TEST_ADMIN_TOKEN } from '../admin/admin-harness.ts';

/** One resource of every collection, so every PATCH has a target and every reference resolves. */
export interface AdminWorld {
  ids: Record<AdminResourcePath, string>;
  /** A group bound to nothing, for binding creates that could succeed. */
  spareGroupId: string;
}

let sequence = 0;
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++sequence}`;

export async function seedWorld(client: AdminClient): Promise<AdminWorld> {
  const user = await client.users.create({ name: unique('user'), balance_usd: '10' });
  const group = await client.groups.create({ name: unique('group'), platform: 'openai' });
  const spare = await client.groups.create({ name: unique('spare'), platform: 'openai' });
  const account = await client.accounts.create({
    name: unique('account'),
    platform: 'openai',
    base_url: 'https://upstream.example.test/v1',
    credential: 'sk-bad-input-credential-000000',
  });
  const { api_key } = await client.apiKeys.create({ user_id: user.id, group_id: group.id, name: 'key' });
  const channel = await client.channels.create({ name: unique('channel') });
  const accountGroup = await client.accountGroups.create({ account_id: account.id, group_id: group.id });
  const channelGroup = await client.channelGroups.create({ channel_id: channel.id, group_id: group.id });
  const price = await client.prices.create({ model: unique('model'), input: '1', output: '2' });
  return {
    ids: {
      users: user.id,
      groups: group.id,
      accounts: account.id,
      'api-keys': api_key.id,
      channels: channel.id,
      'account-groups': accountGroup.id,
      'channel-groups': channelGroup.id,
      prices: price.id,
    },
    spareGroupId: spare.id,
  };
}

/** A create body the schema accepts, for mutating one field at a time. */
export function validCreateBody(world: AdminWorld, path: AdminResourcePath): Record<string, unknown> {
  switch (path) {
    case 'users':
      return { name: 'Ada' };
    case 'groups':
      return { name: unique('g'), platform: 'openai' };
    case 'accounts':
      return {
        name: 'acc',
        platform: 'anthropic',
        base_url: 'https://upstream.example.test',
        credential: 'sk-xyz-0123456789',
      };
    case 'api-keys':
      return { user_id: world.ids.users, group_id: world.ids.groups, name: 'k' };
    case 'channels':
      return { name: unique('c') };
    case 'account-groups':
      return { account_id: world.ids.accounts, group_id: world.spareGroupId };
    case 'channel-groups':
      return { channel_id: world.ids.channels, group_id: world.spareGroupId };
    case 'prices':
      return { model: unique('m'), input: '0.5', output: '1.5' };
  }
}

/** Field names a collection's create or update body knows. */
export function knownFields(path: AdminResourcePath, kind: 'create' | 'update'): string[] {
  const schema = kind === 'create' ? ADMIN_RESOURCES[path].createSchema : ADMIN_RESOURCES[path].updateSchema;
  return Object.keys(schema.shape);
}

/** Whether the published schema accepts a body: the oracle for "must this be a 400?". */
export function schemaAccepts(path: AdminResourcePath, kind: 'create' | 'update', body: unknown): boolean {
  const schema = kind === 'create' ? ADMIN_RESOURCES[path].createSchema : ADMIN_RESOURCES[path].updateSchema;
  try {
    return schema.safeParse(body).success;
  } catch {
    // A schema that throws instead of reporting an issue does not accept the body either.
    return false;
  }
}

/** Everything an admin can see: every collection in full, and every audit event. */
export type AdminSnapshot = { collections: Record<string, unknown[]>; audit: unknown[] };

export async function snapshot(client: AdminClient): Promise<AdminSnapshot> {
  const lists = await Promise.all(
    ADMIN_RESOURCE_PATHS.map(async (path) => {
      const name = ADMIN_RESOURCES[path].name;
      return [path, (await client[name].listAll()) as unknown[]] as const;
    }),
  );
  return { collections: Object.fromEntries(lists), audit: await client.auditEvents.listAll() };
}

export interface RawAnswer {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

/**
 * One admin request with exactly the bytes and headers given (no JSON encoding, no content-type
 * unless asked for), so a test controls what the server receives.
 */
export async function sendAdmin(
  baseUrl: string,
  request: {
    method: string;
    path: string;
    body?: string | undefined;
    contentType?: string | undefined;
    headers?: Record<string, string>;
  },
): Promise<RawAnswer> {
  const headers: Record<string, string> = { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, ...request.headers };
  if (request.contentType !== undefined) headers['content-type'] = request.contentType;
  // A Buffer body keeps fetch from adding its own text/plain content type.
  const body = request.body === undefined ? undefined : Buffer.from(request.body, 'utf8');
  const response = await fetch(`${baseUrl}${request.path}`, { method: request.method, headers, body });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** Statuses an admin request may be refused with (docs/api.md); never a 5xx. */
export const DOCUMENTED_ADMIN_REFUSALS = [400, 404, 409, 412, 413, 422] as const;

/**
 * The answer is a documented refusal in the admin envelope: a status from `allowed`, a code from
 * ADMIN_ERROR_STATUS mapping to that very status, and the request id of the response header.
 */
export function expectAdminRefusal(
  answer: RawAnswer,
  allowed: readonly number[] = DOCUMENTED_ADMIN_REFUSALS,
): string {
  expect(allowed, `status ${answer.status}: ${answer.text.slice(0, 300)}`).toContain(answer.status);
  const envelope = apiErrorEnvelopeSchema.strict().safeParse(answer.json);
  expect(envelope.success, `admin envelope expected, got ${answer.text.slice(0, 300)}`).toBe(true);
  const error = (answer.json as { error: { code: string; request_id: string } }).error;
  expect(Object.keys(ADMIN_ERROR_STATUS)).toContain(error.code);
  expect(ADMIN_ERROR_STATUS[error.code as keyof typeof ADMIN_ERROR_STATUS]).toBe(answer.status);
  // A replayed Idempotency-Key answer is the stored one, naming the request that produced it.
  if (answer.headers.get('idempotency-replayed') === 'true') expect(error.request_id).not.toBe('');
  else expect(error.request_id).toBe(answer.headers.get('x-request-id'));
  return error.code;
}
