import type { AdminClient } from '@relay/admin-client';
import { AdminApiError } from '@relay/admin-client';
import type { ResourceType } from './resource-types.ts';

/** A gateway resource as the admin API returns it; every resource has these three fields. */
export type LiveResource = { id: string; version: number; labels: Record<string, string> } & Record<
  string,
  unknown
>;

/** The admin-client collection of each managed type. */
const COLLECTIONS = {
  user: 'users',
  group: 'groups',
  channel: 'channels',
  account: 'accounts',
  account_group: 'accountGroups',
  price: 'prices',
  api_key: 'apiKeys',
} as const satisfies Record<ResourceType, keyof AdminClient>;

/** What the manager needs of a collection, over every resource type at once. */
type AnyCollection = {
  listAll(query?: object): Promise<unknown[]>;
  get(id: string): Promise<unknown>;
  createWithMeta(
    body: unknown,
    options?: { idempotencyKey?: string },
  ): Promise<{ resource: unknown; replayed: boolean; status: number }>;
  update(id: string, patch: unknown, options?: { ifMatch?: number }): Promise<unknown>;
  delete(id: string, options?: { cascade?: boolean }): Promise<void>;
};

export type CreatedResource = {
  resource: LiveResource;
  /** An api key's plaintext, present only in the create answer. */
  secret?: string;
  /** The gateway replayed a stored answer for the Idempotency-Key (an earlier attempt went through). */
  replayed: boolean;
};

/**
 * The gateway's resources by manager resource type, over one host's admin client. The admin client checks
 * every answer against @relay/schemas; this layer only unifies the collections so the planner, applier,
 * reconcile and rollback can treat every type alike.
 */
export class RemoteResources {
  constructor(readonly client: AdminClient) {}

  #collection(type: ResourceType): AnyCollection {
    // Each collection is a CollectionClient of its own resource type; they share one shape.
    return this.client[COLLECTIONS[type]] as unknown as AnyCollection;
  }

  async list(type: ResourceType, query: object = {}): Promise<LiveResource[]> {
    return (await this.#collection(type).listAll(query)) as LiveResource[];
  }

  /** The resource, or undefined when the gateway answers 404. */
  async get(type: ResourceType, id: string): Promise<LiveResource | undefined> {
    try {
      return (await this.#collection(type).get(id)) as LiveResource;
    } catch (error) {
      if (error instanceof AdminApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  async create(
    type: ResourceType,
    body: Record<string, unknown>,
    idempotencyKey: string,
  ): Promise<CreatedResource> {
    const result = await this.#collection(type).createWithMeta(body, { idempotencyKey });
    if (type === 'api_key') {
      const created = result.resource as { api_key: LiveResource; secret: string };
      return { resource: created.api_key, secret: created.secret, replayed: result.replayed };
    }
    return { resource: result.resource as LiveResource, replayed: result.replayed };
  }

  async update(
    type: ResourceType,
    id: string,
    patch: Record<string, unknown>,
    ifMatch?: number,
  ): Promise<LiveResource> {
    return (await this.#collection(type).update(
      id,
      patch,
      ifMatch === undefined ? {} : { ifMatch },
    )) as LiveResource;
  }

  /** `deleted`, or `gone` when the gateway answers 404 (someone, or an earlier attempt, deleted it). */
  async delete(type: ResourceType, id: string): Promise<'deleted' | 'gone'> {
    try {
      await this.#collection(type).delete(id);
      return 'deleted';
    } catch (error) {
      if (error instanceof AdminApiError && error.status === 404) return 'gone';
      throw error;
    }
  }
}
