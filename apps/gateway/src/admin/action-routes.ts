import { createRoute } from '@hono/zod-openapi';
import {
  accountSchema,
  accountTestRequestSchema,
  accountTestResultSchema,
  apiKeyCreatedSchema,
  apiKeyRotateSchema,
  apiKeySchema,
} from '@relay/schemas';
import { z } from 'zod';
import { clearAccountCooldown, testAccount } from '../domain/account-actions.ts';
import { revokeApiKey, rotateApiKey } from '../domain/api-keys.ts';
import type { AdminApp } from './admin-app.ts';
import { adminContext } from './admin-context.ts';
import type { AdminDeps } from './admin-deps.ts';
import { errorResponses, idParamsSchema, postHeadersSchema } from './openapi-common.ts';

const DEFAULT_ACCOUNT_TEST_TIMEOUT_MS = 15_000;
/** Actions without parameters accept `{}` or no body at all. */
const emptyBodySchema = z.strictObject({});

export function registerActionRoutes(admin: AdminApp, deps: AdminDeps): void {
  admin.openapi(
    createRoute({
      method: 'post',
      path: '/api-keys/{id}/revoke',
      tags: ['api-keys'],
      summary: 'Revoke a key at once (final)',
      request: {
        params: idParamsSchema,
        headers: postHeadersSchema,
        body: { required: false, content: { 'application/json': { schema: emptyBodySchema } } },
      },
      responses: {
        200: { description: 'The revoked key', content: { 'application/json': { schema: apiKeySchema } } },
        ...errorResponses(404),
      },
    }),
    async (c) => c.json(await revokeApiKey(adminContext(c, deps), c.req.valid('param').id), 200),
  );

  admin.openapi(
    createRoute({
      method: 'post',
      path: '/api-keys/{id}/rotate',
      tags: ['api-keys'],
      summary: 'Issue a successor key; the old one keeps working for grace_seconds',
      request: {
        params: idParamsSchema,
        headers: postHeadersSchema,
        body: { required: false, content: { 'application/json': { schema: apiKeyRotateSchema } } },
      },
      responses: {
        200: {
          description: 'The successor key and its secret (shown only now)',
          content: { 'application/json': { schema: apiKeyCreatedSchema } },
        },
        ...errorResponses(404, 409),
      },
    }),
    async (c) => {
      // Without a JSON body the validator yields `{}` unparsed: apply the schema's defaults here.
      const body = apiKeyRotateSchema.parse(c.req.valid('json'));
      return c.json(await rotateApiKey(adminContext(c, deps), c.req.valid('param').id, body), 200);
    },
  );

  admin.openapi(
    createRoute({
      method: 'post',
      path: '/accounts/{id}/test',
      tags: ['accounts'],
      summary: 'One tiny upstream call through the account',
      request: {
        params: idParamsSchema,
        headers: postHeadersSchema,
        body: { required: false, content: { 'application/json': { schema: accountTestRequestSchema } } },
      },
      responses: {
        200: {
          description: 'Latency, upstream status and answer (ok=false when the upstream failed)',
          content: { 'application/json': { schema: accountTestResultSchema } },
        },
        ...errorResponses(404),
      },
    }),
    async (c) =>
      c.json(
        await testAccount(adminContext(c, deps), c.req.valid('param').id, c.req.valid('json'), {
          timeoutMs: deps.accountTestTimeoutMs ?? DEFAULT_ACCOUNT_TEST_TIMEOUT_MS,
        }),
        200,
      ),
  );

  admin.openapi(
    createRoute({
      method: 'post',
      path: '/accounts/{id}/clear-cooldown',
      tags: ['accounts'],
      summary: 'Schedule the account again now',
      request: {
        params: idParamsSchema,
        headers: postHeadersSchema,
        body: { required: false, content: { 'application/json': { schema: emptyBodySchema } } },
      },
      responses: {
        200: { description: 'The account', content: { 'application/json': { schema: accountSchema } } },
        ...errorResponses(404),
      },
    }),
    async (c) => c.json(await clearAccountCooldown(adminContext(c, deps), c.req.valid('param').id), 200),
  );
}
