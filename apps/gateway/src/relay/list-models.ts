import { keyAllowsModel, restrictedByChannel, routesFor } from './route-model.ts';
import type { TenantView } from './tenant-directory.ts';

/**
 * The public model names a key can use (docs/architecture.md#the-relay): every name its group can route — group
 * aliases, channel catalogue, account mappings and allowlists — that actually resolves to a
 * schedulable account, minus what the key's own allowlist or the channel's restriction excludes.
 */
export function modelsFor(view: TenantView): string[] {
  const { group } = view;
  const names = new Set<string>([...Object.keys(group.group.modelAliases), ...group.channelModels]);
  for (const account of group.accounts) {
    for (const name of Object.keys(account.row.modelMapping)) names.add(name);
    for (const name of account.row.models) names.add(name);
  }
  for (const name of Object.keys(group.channel?.modelMapping ?? {})) names.add(name);
  return [...names]
    .filter((name) => keyAllowsModel(view.key, name))
    .filter((name) => !restrictedByChannel(group, name) && routesFor(group, name).length > 0)
    .sort();
}
