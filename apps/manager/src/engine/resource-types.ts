/**
 * The gateway resources an import manages, in the fixed apply order of manager.md §6
 * (users → groups → channels → accounts → bindings → prices → keys). Rollback walks it backwards.
 */
const RESOURCE_TYPES = ['user', 'group', 'channel', 'account', 'account_group', 'price', 'api_key'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

/** Position of a type in the apply order. */
export function applyRank(type: string): number {
  const rank = (RESOURCE_TYPES as readonly string[]).indexOf(type);
  return rank === -1 ? RESOURCE_TYPES.length : rank;
}

/** Sorts in apply order (stable within a type). */
export function inApplyOrder<T extends { type: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => applyRank(a.type) - applyRank(b.type));
}

export function isResourceType(value: string): value is ResourceType {
  return (RESOURCE_TYPES as readonly string[]).includes(value);
}
