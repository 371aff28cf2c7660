import {
  ADMIN_RESOURCES,
  type AdminResourcePath,
  type AdminResources,
  type ListResponse,
  listResponseSchema,
} from '@relay/schemas';
import type { z } from 'zod';
import { AdminProtocolError } from './errors.ts';
import { apiErrorFrom, call, type HttpRequest, send, type TransportOptions } from './transport.ts';

export const ADMIN_PREFIX = '/admin/v1';

export interface CreateOptions {
  /** Makes the POST safe to retry: the gateway replays the stored answer for the same key and body. */
  idempotencyKey?: string;
}
export interface UpdateOptions {
  /** The version last read; the gateway answers 412 VERSION_MISMATCH when it moved on. */
  ifMatch?: number;
}
export interface DeleteOptions {
  /** Also delete the resource's bindings (otherwise 409 HAS_BINDINGS while some remain). */
  cascade?: boolean;
}
export interface CreateResult<R> {
  resource: R;
  /** True when the gateway replayed a stored answer for this Idempotency-Key. */
  replayed: boolean;
  status: number;
}

/** Client of one CRUD collection: `T` resource, `C` create body, `U` patch, `Q` list query, `R` create answer. */
export interface CollectionClient<T, C, U, Q, R = T> {
  list(query?: Q): Promise<ListResponse<T>>;
  /** Every item, following `next_cursor` (pages of `query.limit`, default 500). */
  listAll(query?: Omit<Q, 'cursor'>): Promise<T[]>;
  get(id: string): Promise<T>;
  create(body: C, options?: CreateOptions): Promise<R>;
  createWithMeta(body: C, options?: CreateOptions): Promise<CreateResult<R>>;
  update(id: string, patch: U, options?: UpdateOptions): Promise<T>;
  /**
   * Deletes the resource. When a retry (after a lost answer) gets 404, an earlier attempt
   * already deleted it, so that counts as success.
   */
  delete(id: string, options?: DeleteOptions): Promise<void>;
}

export type CollectionOf<P extends AdminResourcePath> = CollectionClient<
  z.output<AdminResources[P]['schema']>,
  z.input<AdminResources[P]['createSchema']>,
  z.input<AdminResources[P]['updateSchema']>,
  z.input<AdminResources[P]['listQuerySchema']>,
  z.output<AdminResources[P]['createResponseSchema']>
>;

export function itemPath(collection: string, id: string, action?: string): string {
  const base = `${ADMIN_PREFIX}/${collection}/${encodeURIComponent(id)}`;
  return action ? `${base}/${action}` : base;
}

export function idempotencyHeaders(options?: CreateOptions): Record<string, string> {
  return options?.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {};
}

/** Follows cursors until the last page; a repeated cursor means a broken server, not an endless loop. */
export async function collectAll<T>(
  path: string,
  fetchPage: (cursor: string | undefined) => Promise<ListResponse<T>>,
): Promise<T[]> {
  const items: T[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (;;) {
    const page = await fetchPage(cursor);
    items.push(...page.items);
    if (page.next_cursor === null) return items;
    if (seen.has(page.next_cursor)) {
      throw new AdminProtocolError('GET', path, 200, `cursor ${page.next_cursor} repeated`);
    }
    seen.add(page.next_cursor);
    cursor = page.next_cursor;
  }
}

export function createCollection<P extends AdminResourcePath>(
  opts: TransportOptions,
  path: P,
): CollectionOf<P> {
  const def = ADMIN_RESOURCES[path];
  const collectionPath = `${ADMIN_PREFIX}/${def.path}`;
  const itemSchema: z.ZodType = def.schema;
  const listSchema = listResponseSchema(itemSchema);
  const createResponseSchema: z.ZodType = def.createResponseSchema;

  const list = async (query?: object) =>
    (await call(opts, { method: 'GET', path: collectionPath, query }, listSchema)).data;

  const createWithMeta = async (body: unknown, options?: CreateOptions) => {
    const { data, res } = await call(
      opts,
      { method: 'POST', path: collectionPath, body, headers: idempotencyHeaders(options) },
      createResponseSchema,
    );
    return {
      resource: data,
      replayed: res.headers.get('idempotency-replayed') === 'true',
      status: res.status,
    };
  };

  const collection = {
    list,
    listAll: (query?: object) =>
      collectAll(collectionPath, (cursor) => list({ limit: 500, ...query, cursor })),
    get: async (id: string) =>
      (await call(opts, { method: 'GET', path: itemPath(def.path, id) }, itemSchema)).data,
    create: async (body: unknown, options?: CreateOptions) => (await createWithMeta(body, options)).resource,
    createWithMeta,
    update: async (id: string, patch: unknown, options?: UpdateOptions) => {
      const headers: Record<string, string> =
        options?.ifMatch === undefined ? {} : { 'if-match': String(options.ifMatch) };
      return (
        await call(opts, { method: 'PATCH', path: itemPath(def.path, id), body: patch, headers }, itemSchema)
      ).data;
    },
    delete: async (id: string, options?: DeleteOptions) => {
      const req: HttpRequest = {
        method: 'DELETE',
        path: itemPath(def.path, id),
        query: options?.cascade ? { cascade: true } : undefined,
      };
      const res = await send(opts, req);
      if (res.status === 404 && res.attempts > 1) return;
      if (res.status >= 400) throw apiErrorFrom(req, res);
    },
  };
  // The implementation is shared by all collections; the table fixes the types per path.
  return collection as unknown as CollectionOf<P>;
}
