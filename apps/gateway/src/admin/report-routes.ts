import { createRoute } from '@hono/zod-openapi';
import {
  ADMIN_API_VERSION,
  type AdminFeature,
  accessQuerySchema,
  accessReportSchema,
  auditEventListQuerySchema,
  auditEventSchema,
  capabilitiesSchema,
  listResponseSchema,
  platformSchema,
  usageEventListQuerySchema,
  usageEventSchema,
  usageSummaryQuerySchema,
  usageSummarySchema,
} from '@relay/schemas';
import { accessReport } from '../domain/access.ts';
import { listAuditEvents, listUsageEvents, summariseUsage } from '../domain/usage.ts';
import type { AdminApp } from './admin-app.ts';
import { adminContext } from './admin-context.ts';
import type { AdminDeps } from './admin-deps.ts';
import { errorResponses } from './openapi-common.ts';

/** What this admin API implements; other parts of the gateway add theirs through `deps.features`. */
const ADMIN_API_FEATURES = [
  'labels',
  'idempotency',
  'if-match',
  'cascade-delete',
  'channels',
  'prices',
  'api-key-rotate',
  'account-test',
  'access-report',
  'usage',
  'audit',
] as const satisfies readonly AdminFeature[];

export function registerReportRoutes(admin: AdminApp, deps: AdminDeps): void {
  const capabilities = {
    version: deps.version,
    api_version: ADMIN_API_VERSION,
    platforms: [...platformSchema.options],
    features: [...new Set([...ADMIN_API_FEATURES, ...(deps.features ?? [])])],
  };
  admin.openapi(
    createRoute({
      method: 'get',
      path: '/capabilities',
      tags: ['meta'],
      summary: 'What this gateway supports (side-effect free)',
      responses: {
        200: { description: 'Capabilities', content: { 'application/json': { schema: capabilitiesSchema } } },
        ...errorResponses(),
      },
    }),
    (c) => c.json(capabilities, 200),
  );

  admin.openapi(
    createRoute({
      method: 'get',
      path: '/access',
      tags: ['access'],
      summary: 'Access-closure report for a key or a group (first broken link with its reason code)',
      request: { query: accessQuerySchema },
      responses: {
        200: { description: 'The report', content: { 'application/json': { schema: accessReportSchema } } },
        ...errorResponses(),
      },
    }),
    async (c) => c.json(await accessReport(adminContext(c, deps), c.req.valid('query')), 200),
  );

  admin.openapi(
    createRoute({
      method: 'get',
      path: '/usage/events',
      tags: ['usage'],
      summary: 'Usage events, newest first',
      request: { query: usageEventListQuerySchema },
      responses: {
        200: {
          description: 'A page',
          content: { 'application/json': { schema: listResponseSchema(usageEventSchema) } },
        },
        ...errorResponses(),
      },
    }),
    async (c) => c.json(await listUsageEvents(adminContext(c, deps), c.req.valid('query')), 200),
  );

  admin.openapi(
    createRoute({
      method: 'get',
      path: '/usage/summary',
      tags: ['usage'],
      summary: 'Usage sums grouped by model, key, user, group, account or day',
      request: { query: usageSummaryQuerySchema },
      responses: {
        200: { description: 'Sums', content: { 'application/json': { schema: usageSummarySchema } } },
        ...errorResponses(),
      },
    }),
    async (c) => c.json(await summariseUsage(adminContext(c, deps), c.req.valid('query')), 200),
  );

  admin.openapi(
    createRoute({
      method: 'get',
      path: '/audit-events',
      tags: ['audit'],
      summary: 'Audit events of admin mutations, newest first (secrets redacted)',
      request: { query: auditEventListQuerySchema },
      responses: {
        200: {
          description: 'A page',
          content: { 'application/json': { schema: listResponseSchema(auditEventSchema) } },
        },
        ...errorResponses(),
      },
    }),
    async (c) => c.json(await listAuditEvents(adminContext(c, deps), c.req.valid('query')), 200),
  );
}
