import type { OpenAPIHono } from '@hono/zod-openapi';
import { createRoute, z } from '@hono/zod-openapi';
import type { DraftService } from '../drafts/draft-service.ts';
import type { AppEnv } from '../http/env.ts';
import { body, json, pageOf, providerId } from './lifecycle-schemas.ts';
import { errorResponses, paginationQuery } from './schemas.ts';

const draftId = z.string().regex(/^drf_[0-9a-z]{26}$/, 'is not a draft id');
const draftParam = z.object({ draft_id: draftId.openapi({ param: { name: 'draft_id', in: 'path' } }) });
const manifest = z
  .record(z.string(), z.unknown())
  .openapi({ description: 'A provider manifest (validated on save)' });

const draftSchema = z
  .object({
    draft_id: z.string(),
    pack_id: z.string(),
    provider_id: z.string(),
    manifest: z.unknown(),
    revision: z.number().int(),
    status: z.enum(['draft', 'published']),
    published_version: z.string().nullable(),
    published_commit: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('ProviderDraft');

const publishSchema = z
  .object({
    draft_id: z.string(),
    pack_id: z.string(),
    provider_id: z.string(),
    pack_version: z.string(),
    commit: z.string(),
  })
  .openapi('DraftPublish');

const createDraftRoute = createRoute({
  method: 'post',
  path: '/api/provider-drafts',
  tags: ['drafts'],
  summary: 'Create a provider draft (422 MANIFEST_INVALID with field errors in details.errors)',
  request: {
    body: body(z.object({ pack_id: z.string().min(1).max(64), provider_id: providerId, manifest })),
  },
  responses: { 201: json(draftSchema, 'The draft at revision 1'), ...errorResponses(400, 422) },
});

const listDraftsRoute = createRoute({
  method: 'get',
  path: '/api/provider-drafts',
  tags: ['drafts'],
  summary: 'Provider drafts, newest first',
  request: {
    query: paginationQuery.extend({
      pack_id: z
        .string()
        .max(64)
        .optional()
        .openapi({ param: { name: 'pack_id', in: 'query' } }),
      provider_id: z
        .string()
        .max(64)
        .optional()
        .openapi({ param: { name: 'provider_id', in: 'query' } }),
      status: z
        .enum(['draft', 'published'])
        .optional()
        .openapi({ param: { name: 'status', in: 'query' } }),
    }),
  },
  responses: { 200: json(pageOf(draftSchema), 'A page of drafts'), ...errorResponses(400) },
});

const getDraftRoute = createRoute({
  method: 'get',
  path: '/api/provider-drafts/{draft_id}',
  tags: ['drafts'],
  summary: 'A provider draft',
  request: { params: draftParam },
  responses: { 200: json(draftSchema, 'The draft'), ...errorResponses(400, 404) },
});

const updateDraftRoute = createRoute({
  method: 'put',
  path: '/api/provider-drafts/{draft_id}',
  tags: ['drafts'],
  summary: 'Save a new manifest; `revision` must be the current one (409 DRAFT_REVISION_CONFLICT otherwise)',
  request: {
    params: draftParam,
    body: body(z.object({ manifest, revision: z.number().int().min(1) })),
  },
  responses: {
    200: json(draftSchema, 'The draft at its next revision'),
    ...errorResponses(400, 404, 409, 422),
  },
});

const deleteDraftRoute = createRoute({
  method: 'delete',
  path: '/api/provider-drafts/{draft_id}',
  tags: ['drafts'],
  summary: 'Delete a draft (the pack repository is not touched)',
  request: { params: draftParam },
  responses: { 204: { description: 'Deleted' }, ...errorResponses(400, 404) },
});

const publishDraftRoute = createRoute({
  method: 'post',
  path: '/api/provider-drafts/{draft_id}/publish',
  tags: ['drafts'],
  summary:
    'Publish into the pack repository as one git commit (bumped patch version, rewritten checksums); any failure leaves the repository as it was',
  request: { params: draftParam },
  responses: {
    200: json(publishSchema, 'The commit'),
    ...errorResponses(400, 404, 409, 422),
    500: {
      description: 'PUBLISH_FAILED: a step failed and the repository was restored',
      content: { 'application/json': { schema: z.unknown() } },
    },
  },
});

export function registerDraftRoutes(app: OpenAPIHono<AppEnv>, deps: { drafts: DraftService }): void {
  const { drafts } = deps;

  app.openapi(createDraftRoute, (c) => {
    const input = c.req.valid('json');
    c.set('audit', { action: 'draft.create', targetType: 'provider', targetId: input.provider_id });
    const draft = drafts.create({
      packId: input.pack_id,
      providerId: input.provider_id,
      manifest: input.manifest,
    });
    c.set('audit', {
      action: 'draft.create',
      targetType: 'provider_draft',
      targetId: draft.draft_id,
      details: { pack_id: draft.pack_id, provider_id: draft.provider_id },
    });
    return c.json(draft, 201);
  });

  app.openapi(listDraftsRoute, (c) => {
    const q = c.req.valid('query');
    return c.json(
      drafts.list({ packId: q.pack_id, providerId: q.provider_id, status: q.status }, q.limit, q.cursor),
      200,
    );
  });

  app.openapi(getDraftRoute, (c) => c.json(drafts.get(c.req.valid('param').draft_id), 200));

  app.openapi(updateDraftRoute, (c) => {
    const { draft_id } = c.req.valid('param');
    const input = c.req.valid('json');
    c.set('audit', {
      action: 'draft.update',
      targetType: 'provider_draft',
      targetId: draft_id,
      details: { revision: input.revision },
    });
    return c.json(drafts.update(draft_id, input), 200);
  });

  app.openapi(deleteDraftRoute, (c) => {
    const { draft_id } = c.req.valid('param');
    c.set('audit', { action: 'draft.delete', targetType: 'provider_draft', targetId: draft_id });
    drafts.delete(draft_id);
    return c.body(null, 204);
  });

  app.openapi(publishDraftRoute, async (c) => {
    const { draft_id } = c.req.valid('param');
    c.set('audit', { action: 'draft.publish', targetType: 'provider_draft', targetId: draft_id });
    const result = await drafts.publish(draft_id);
    c.set('audit', {
      action: 'draft.publish',
      targetType: 'provider_draft',
      targetId: draft_id,
      details: { pack_id: result.pack_id, pack_version: result.pack_version, commit: result.commit },
    });
    return c.json(result, 200);
  });
}
