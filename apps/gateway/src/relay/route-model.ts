import { resolveModel } from '@relay/bindings';
import type { ApiKeyRow } from '../store/index.ts';
import type { GroupView, ModelRoute } from './tenant-directory.ts';

const MAX_CACHED_MODELS = 1_000;

/**
 * The accounts bound to the group that serve `requestedModel`, with the upstream id each is asked for
 * (group alias → channel mapping → account mapping → allowlist, exactly as @relay/bindings resolves it).
 * Only static facts are used (status, schedulable, platform), so the answer is cached per group view;
 * time-dependent state (cooldowns, circuits, load) is checked per request by the selector.
 */
export function routesFor(view: GroupView, requestedModel: string): readonly ModelRoute[] {
  const cached = view.routes.get(requestedModel);
  if (cached !== undefined) return cached;
  const routes: ModelRoute[] = [];
  for (const account of view.accounts) {
    const { row } = account;
    if (row.status !== 'active' || !row.schedulable || row.platform !== view.group.platform) continue;
    const upstreamModel = resolveModel(view.snapshot, view.rules, account.rules, requestedModel);
    if (upstreamModel !== null) routes.push({ account, upstreamModel });
  }
  // Unknown model names are client input: cap what they can make the cache hold.
  if (view.routes.size < MAX_CACHED_MODELS) view.routes.set(requestedModel, routes);
  return routes;
}

/** Whether the group's channel restricts models and does not price this one (after the group alias). */
export function restrictedByChannel(view: GroupView, requestedModel: string): boolean {
  if (view.channel === undefined || !view.channel.restrictModels) return false;
  const aliased = Object.hasOwn(view.group.modelAliases, requestedModel)
    ? view.group.modelAliases[requestedModel]
    : requestedModel;
  return aliased === undefined || !view.channelModels.has(aliased);
}

/** Whether the key's own model allowlist admits `model` (a null or empty list admits every model). */
export function keyAllowsModel(key: ApiKeyRow, model: string): boolean {
  const allowed = key.allowedModels;
  return allowed === null || allowed.length === 0 || allowed.includes(model);
}
