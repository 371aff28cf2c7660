import { createRoute, type z } from '@hono/zod-openapi';
import {
  ADMIN_RESOURCES,
  type AdminResourcePath,
  deleteQuerySchema,
  listResponseSchema,
} from '@relay/schemas';
import { accountGroupResource } from '../domain/account-groups.ts';
import { accountResource } from '../domain/accounts.ts';
import { apiKeyResource, createApiKey } from '../domain/api-keys.ts';
import { channelGroupResource } from '../domain/channel-groups.ts';
import { channelResource } from '../domain/channels.ts';
import {
  createResource,
  deleteResource,
  getResource,
  listResources,
  updateResource,
} from '../domain/crud.ts';
import { groupResource } from '../domain/groups.ts';
import { priceResource } from '../domain/prices.ts';
import type { AnyResourceDefinition } from '../domain/resource-definition.ts';
import { userResource } from '../domain/users.ts';
import type { AdminApp } from './admin-app.ts';
import { adminContext, parseIfMatch } from './admin-context.ts';
import type { AdminDeps } from './admin-deps.ts';
import { errorResponses, idParamsSchema, patchHeadersSchema, postHeadersSchema } from './openapi-common.ts';

const DEFINITIONS: Record<AdminResourcePath, AnyResourceDefinition> = {
  users: userResource,
  groups: groupResource,
  accounts: accountResource,
  'api-keys': apiKeyResource,
  channels: channelResource,
  'account-groups': accountGroupResource,
  'channel-groups': channelGroupResource,
  prices: priceResource,
};

/**
 * The CRUD routes of every collection in ADMIN_RESOURCES (the table the admin client is built from):
 * `GET /x`, `GET /x/{id}`, `POST /x`, `PATCH /x/{id}`, `DELETE /x/{id}`. Routes only parse, call the
 * domain verb and shape the answer.
 */
export function registerResourceRoutes(admin: AdminApp, deps: AdminDeps): void {
  for (const path of Object.keys(ADMIN_RESOURCES) as AdminResourcePath[]) {
    registerCollection(admin, deps, path);
  }
}

function registerCollection(admin: AdminApp, deps: AdminDeps, path: AdminResourcePath): void {
  const resource = ADMIN_RESOURCES[path];
  const def = DEFINITIONS[path];
  const schema: z.ZodType = resource.schema;
  const tags = [path];

  admin.openapi(
    createRoute({
      method: 'get',
      path: `/${path}`,
      tags,
      summary: `List ${path} (label selectors, cursor pagination)`,
      request: { query: resource.listQuerySchema as z.ZodType as z.ZodObject },
      responses: {
        200: {
          description: 'A page',
          content: { 'application/json': { schema: listResponseSchema(schema) } },
        },
        ...errorResponses(),
      },
    }),
    async (c) => c.json(await listResources(def, adminContext(c, deps), c.req.valid('query')), 200),
  );

  admin.openapi(
    createRoute({
      method: 'get',
      path: `/${path}/{id}`,
      tags,
      summary: `Read one of ${path}`,
      request: { params: idParamsSchema },
      responses: {
        200: { description: 'The resource', content: { 'application/json': { schema } } },
        ...errorResponses(404),
      },
    }),
    async (c) => {
      const out = (await getResource(def, adminContext(c, deps), c.req.valid('param').id)) as {
        version: number;
      };
      c.header('etag', `"${out.version}"`);
      return c.json(out, 200);
    },
  );

  admin.openapi(
    createRoute({
      method: 'post',
      path: `/${path}`,
      tags,
      summary: `Create one of ${path}`,
      request: {
        headers: postHeadersSchema,
        body: {
          required: true,
          content: { 'application/json': { schema: resource.createSchema as z.ZodType } },
        },
      },
      responses: {
        201: {
          description: path === 'api-keys' ? 'The key and its secret (shown only now)' : 'Created',
          content: { 'application/json': { schema: resource.createResponseSchema as z.ZodType } },
        },
        ...errorResponses(404, 409),
      },
    }),
    async (c) => {
      const ctx = adminContext(c, deps);
      const input = c.req.valid('json');
      const out =
        path === 'api-keys'
          ? await createApiKey(ctx, input as Parameters<typeof createApiKey>[1])
          : await createResource(def, ctx, input);
      return c.json(out, 201);
    },
  );

  admin.openapi(
    createRoute({
      method: 'patch',
      path: `/${path}/{id}`,
      tags,
      summary: `Update one of ${path} (If-Match: <version>)`,
      request: {
        params: idParamsSchema,
        headers: patchHeadersSchema,
        body: {
          required: true,
          content: { 'application/json': { schema: resource.updateSchema as z.ZodType } },
        },
      },
      responses: {
        200: { description: 'The updated resource', content: { 'application/json': { schema } } },
        ...errorResponses(404, 409, 412),
      },
    }),
    async (c) => {
      const ifMatch = parseIfMatch(c.req.header('if-match'));
      const out = (await updateResource(
        def,
        adminContext(c, deps),
        c.req.valid('param').id,
        c.req.valid('json'),
        ifMatch,
      )) as { version: number };
      c.header('etag', `"${out.version}"`);
      return c.json(out, 200);
    },
  );

  admin.openapi(
    createRoute({
      method: 'delete',
      path: `/${path}/{id}`,
      tags,
      summary: resource.hasBindings
        ? `Delete one of ${path} (409 HAS_BINDINGS while bound, unless ?cascade=true)`
        : `Delete one of ${path}`,
      request: { params: idParamsSchema, query: deleteQuerySchema },
      responses: { 204: { description: 'Deleted' }, ...errorResponses(404, 409) },
    }),
    async (c) => {
      await deleteResource(def, adminContext(c, deps), c.req.valid('param').id, {
        cascade: c.req.valid('query').cascade,
      });
      return c.body(null, 204);
    },
  );
}
