import type { OpenAPIHono } from '@hono/zod-openapi';
import { createRoute, z } from '@hono/zod-openapi';
import type { LoadedPack, LoadedProvider, PackError } from '@relay/manifests';
import { ManagerError } from '../errors.ts';
import type { AppEnv } from '../http/env.ts';
import type { ManagerMetrics } from '../metrics.ts';
import type { PackCatalog } from '../packs/pack-catalog.ts';
import { errorResponses } from './schemas.ts';

const packErrorSchema = z
  .object({ file: z.string(), field: z.string().nullable(), code: z.string(), message: z.string() })
  .openapi('PackError');

const providerSummarySchema = z.object({
  id: z.string(),
  pack_id: z.string(),
  file: z.string(),
  name: z.string().nullable(),
  platform: z.string().nullable(),
  valid: z.boolean(),
  errors: z.array(packErrorSchema),
});

const packSchema = z
  .object({
    id: z.string(),
    name: z.string().nullable(),
    version: z.string().nullable(),
    description: z.string().nullable(),
    valid: z.boolean(),
    importable: z.boolean(),
    provider_count: z.number(),
    errors: z.array(packErrorSchema),
  })
  .openapi('Pack');

const providerSchema = providerSummarySchema
  .extend({ pack_valid: z.boolean(), manifest: z.record(z.string(), z.unknown()).nullable() })
  .openapi('Provider');

const catalogSchema = z.object({
  state: z.enum(['not_configured', 'loaded', 'failed']),
  repo_root: z.string().nullable(),
  loaded_at: z.string().nullable(),
  error: z.string().nullable(),
  repository_errors: z.array(packErrorSchema),
});

const packIdParam = z.object({
  pack_id: z
    .string()
    .min(1)
    .max(100)
    .openapi({ param: { name: 'pack_id', in: 'path' }, example: 'cn' }),
});
const providerIdParam = z.object({
  provider_id: z
    .string()
    .min(1)
    .max(100)
    .openapi({ param: { name: 'provider_id', in: 'path' }, example: 'deepseek' }),
});

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

const listPacksRoute = createRoute({
  method: 'get',
  path: '/api/packs',
  tags: ['packs'],
  summary: 'Packs of the repository with validity and errors (an invalid pack is listed, not importable)',
  responses: {
    200: json(catalogSchema.extend({ items: z.array(packSchema), next_cursor: z.null() }), 'Every pack'),
    ...errorResponses(),
  },
});

const reloadRoute = createRoute({
  method: 'post',
  path: '/api/packs/reload',
  tags: ['packs'],
  summary: 'Reload and re-validate the pack repository',
  responses: {
    200: json(
      catalogSchema.extend({ items: z.array(packSchema), next_cursor: z.null() }),
      'The reloaded packs',
    ),
    ...errorResponses(),
  },
});

const getPackRoute = createRoute({
  method: 'get',
  path: '/api/packs/{pack_id}',
  tags: ['packs'],
  summary: 'One pack with its providers',
  request: { params: packIdParam },
  responses: {
    200: json(packSchema.extend({ providers: z.array(providerSummarySchema) }), 'The pack'),
    ...errorResponses(404),
  },
});

const packProvidersRoute = createRoute({
  method: 'get',
  path: '/api/packs/{pack_id}/providers',
  tags: ['packs'],
  summary: "A pack's providers with their manifests",
  request: { params: packIdParam },
  responses: {
    200: json(z.object({ items: z.array(providerSchema), next_cursor: z.null() }), 'The providers'),
    ...errorResponses(404),
  },
});

const providerRoute = createRoute({
  method: 'get',
  path: '/api/providers/{provider_id}',
  tags: ['packs'],
  summary: 'A provider by id (unique across the repository)',
  request: { params: providerIdParam },
  responses: { 200: json(providerSchema, 'The provider'), ...errorResponses(404) },
});

export function registerPackRoutes(
  app: OpenAPIHono<AppEnv>,
  deps: { packs: PackCatalog; metrics: ManagerMetrics },
): void {
  const { packs } = deps;

  const listing = () => ({ ...catalogView(packs), items: packs.packs().map(packView), next_cursor: null });

  app.openapi(listPacksRoute, (c) => c.json(listing(), 200));

  app.openapi(reloadRoute, async (c) => {
    c.set('audit', { action: 'packs.reload', targetType: 'pack_repository' });
    const end = deps.metrics.operationDuration.startTimer({ operation: 'packs.reload' });
    const state = await packs.reload();
    end();
    deps.metrics.operations.inc({
      operation: 'packs.reload',
      outcome: state.state === 'failed' ? 'error' : 'ok',
    });
    const invalid = packs
      .packs()
      .filter((p) => !p.valid)
      .map((p) => p.id);
    c.set('audit', {
      action: 'packs.reload',
      targetType: 'pack_repository',
      details: { state: state.state, packs: packs.packs().length, invalid },
    });
    c.get('logger').info({ packs: packs.packs().length, invalid }, 'pack repository reloaded');
    return c.json(listing(), 200);
  });

  app.openapi(getPackRoute, (c) => {
    const pack = requirePack(packs, c.req.valid('param').pack_id);
    return c.json({ ...packView(pack), providers: pack.providers.map((p) => providerSummary(pack, p)) }, 200);
  });

  app.openapi(packProvidersRoute, (c) => {
    const pack = requirePack(packs, c.req.valid('param').pack_id);
    return c.json({ items: pack.providers.map((p) => providerView(pack, p)), next_cursor: null }, 200);
  });

  app.openapi(providerRoute, (c) => {
    const id = c.req.valid('param').provider_id;
    const found = packs.provider(id);
    if (found === undefined)
      throw new ManagerError('NOT_FOUND', `provider ${id} not found in the pack repository`);
    return c.json(providerView(found.pack, found.provider), 200);
  });
}

function requirePack(packs: PackCatalog, id: string): LoadedPack {
  const pack = packs.pack(id);
  if (pack === undefined) throw new ManagerError('NOT_FOUND', `pack ${id} not found in the pack repository`);
  return pack;
}

function catalogView(packs: PackCatalog) {
  const current = packs.current;
  return {
    state: current.state,
    repo_root: packs.repoRoot ?? null,
    loaded_at: current.state === 'not_configured' ? null : new Date(current.loadedAt).toISOString(),
    error: current.state === 'failed' ? current.error : null,
    repository_errors: packs.repositoryErrors().map(errorView),
  };
}

function packView(pack: LoadedPack) {
  return {
    id: pack.id,
    name: pack.manifest?.name ?? null,
    version: pack.manifest?.version ?? null,
    description: pack.manifest?.description ?? null,
    valid: pack.valid,
    importable: pack.valid,
    provider_count: pack.providers.length,
    errors: pack.errors.map(errorView),
  };
}

function providerSummary(pack: LoadedPack, provider: LoadedProvider) {
  return {
    id: provider.id,
    pack_id: pack.id,
    file: provider.file,
    name: provider.manifest?.name ?? null,
    platform: provider.manifest?.platform ?? null,
    valid: provider.valid,
    errors: provider.errors.map(errorView),
  };
}

function providerView(pack: LoadedPack, provider: LoadedProvider) {
  return {
    ...providerSummary(pack, provider),
    pack_valid: pack.valid,
    manifest:
      provider.manifest === undefined ? null : (provider.manifest as unknown as Record<string, unknown>),
  };
}

function errorView(error: PackError) {
  return { file: error.file, field: error.field, code: error.code, message: error.message };
}
