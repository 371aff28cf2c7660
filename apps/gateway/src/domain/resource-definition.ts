import type { AdminResourcePath } from '@relay/schemas';
import type { Page, Store } from '../store/index.ts';
import type { ResourceCrud } from '../store/resource-table.ts';
import type { AdminContext } from './context.ts';

/** A resource that goes away with the one being deleted (`?cascade=true`). */
export interface DependentBinding {
  type: AdminResourcePath;
  id: string;
  /** Presented snapshot for the audit event. */
  snapshot: object;
  remove(tx: Store): Promise<void>;
}

export interface Dependents {
  /** Deleted with `?cascade=true`, otherwise they make the delete a 409 HAS_BINDINGS. */
  bindings: DependentBinding[];
  /** Never cascaded (e.g. the api keys of a group): the delete is a 409 CONFLICT while any remain. */
  blockers: { type: string; count: number }[];
}

/**
 * How one admin collection maps onto the store. The generic verbs (crud.ts) do the transaction,
 * version check, audit and error translation; a definition only says what is specific.
 */
export interface ResourceDefinition<
  Row extends { id: string; version: number },
  Insert,
  Out,
  Create,
  Update,
  Query,
> {
  type: AdminResourcePath;
  /** Singular noun for messages (`group grp_… not found`). */
  noun: string;
  repository(store: Store): ResourceCrud<Row, Insert>;
  present(row: Row): Out;
  /** Checks references and business rules, then inserts. */
  insert(tx: Store, input: Create, ctx: AdminContext): Promise<Row>;
  /** The database patch for a validated update body (checks rules against `before`). */
  patch(tx: Store, before: Row, input: Update, ctx: AdminContext): Promise<Partial<Insert>>;
  list(store: Store, query: Query): Promise<Page<Row>>;
  dependents?(tx: Store, row: Row): Promise<Dependents>;
}

// biome-ignore lint/suspicious/noExplicitAny: a heterogeneous registry of definitions; each use site is typed.
export type AnyResourceDefinition = ResourceDefinition<any, any, any, any, any, any>;
