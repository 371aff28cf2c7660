/**
 * Admin-side business verbs (docs/architecture.md#gateway-resources): every mutation runs in one transaction with its
 * audit event; constraint violations become admin errors with stable codes.
 */

export { type AccessReportBody, accessReport } from './access.ts';
export { loadAccessSnapshot } from './access-snapshot.ts';
export { clearAccountCooldown, testAccount } from './account-actions.ts';
export { accountGroupResource } from './account-groups.ts';
export { accountResource } from './accounts.ts';
export { apiKeyResource, createApiKey, revokeApiKey, rotateApiKey } from './api-keys.ts';
export { channelGroupResource } from './channel-groups.ts';
export { channelResource } from './channels.ts';
export type { AdminContext } from './context.ts';
export { createResource, deleteResource, getResource, listResources, updateResource } from './crud.ts';
export { groupResource } from './groups.ts';
export * from './present.ts';
export { priceResource } from './prices.ts';
export type { DependentBinding, Dependents, ResourceDefinition } from './resource-definition.ts';
export { listAuditEvents, listUsageEvents, summariseUsage } from './usage.ts';
export { userResource } from './users.ts';
