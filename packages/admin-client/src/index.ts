export type { AccessTarget, AdminClient, AdminClientOptions, RawResponse } from './client.ts';
export { createAdminClient } from './client.ts';
export type {
  CollectionClient,
  CollectionOf,
  CreateOptions,
  CreateResult,
  DeleteOptions,
  UpdateOptions,
} from './collection.ts';
export { AdminApiError, AdminClientError, AdminNetworkError, AdminProtocolError } from './errors.ts';
