import { parseLabelSelector } from '@relay/schemas';
import { AdminError } from '../errors.ts';
import type { LabelSelector, PageRequest } from '../store/index.ts';
import { recordAudit } from './audit.ts';
import type { AdminContext } from './context.ts';
import type { ResourceDefinition } from './resource-definition.ts';
import { withStoreErrors } from './store-errors.ts';

type Def<
  Row extends { id: string; version: number },
  Insert,
  Out,
  Create,
  Update,
  Query,
> = ResourceDefinition<Row, Insert, Out, Create, Update, Query>;

export interface ListQueryBase {
  limit: number;
  cursor?: string | undefined;
  label?: string[] | undefined;
}

export function pageRequestOf(query: ListQueryBase): PageRequest {
  const labels: LabelSelector[] = (query.label ?? []).map(parseLabelSelector);
  return { limit: query.limit, cursor: query.cursor, labels };
}

export function notFound(noun: string, id: string): AdminError {
  return new AdminError('NOT_FOUND', `${noun} ${id} not found`, { id });
}

export async function getResource<Row extends { id: string; version: number }, Insert, Out, C, U, Q>(
  def: Def<Row, Insert, Out, C, U, Q>,
  ctx: AdminContext,
  id: string,
): Promise<Out> {
  const row = await withStoreErrors(() => def.repository(ctx.store).get(id));
  if (!row) throw notFound(def.noun, id);
  return def.present(row);
}

export async function listResources<Row extends { id: string; version: number }, Insert, Out, C, U, Q>(
  def: Def<Row, Insert, Out, C, U, Q>,
  ctx: AdminContext,
  query: Q,
): Promise<{ items: Out[]; next_cursor: string | null }> {
  const page = await withStoreErrors(() => def.list(ctx.store, query));
  return { items: page.items.map((row) => def.present(row)), next_cursor: page.nextCursor };
}

export function createResource<Row extends { id: string; version: number }, Insert, Out, C, U, Q>(
  def: Def<Row, Insert, Out, C, U, Q>,
  ctx: AdminContext,
  input: C,
): Promise<Out> {
  return withStoreErrors(() =>
    ctx.store.transaction(async (tx) => {
      const row = await def.insert(tx, input, ctx);
      const out = def.present(row);
      await recordAudit(tx, ctx, {
        action: 'create',
        resourceType: def.type,
        resourceId: row.id,
        before: null,
        after: out as object,
      });
      return out;
    }),
  );
}

/**
 * PATCH: the row is locked, `If-Match` compared with its version (412 on mismatch), the patch
 * applied with a version bump and audited. An empty patch changes nothing and is not audited.
 */
export function updateResource<Row extends { id: string; version: number }, Insert, Out, C, U, Q>(
  def: Def<Row, Insert, Out, C, U, Q>,
  ctx: AdminContext,
  id: string,
  input: U,
  ifMatch: number | undefined,
): Promise<Out> {
  return withStoreErrors(() =>
    ctx.store.transaction(async (tx) => {
      const repo = def.repository(tx);
      const before = await repo.getForUpdate(id);
      if (!before) throw notFound(def.noun, id);
      assertVersion(before, ifMatch);
      const patch = await def.patch(tx, before, input, ctx);
      if (Object.keys(patch as object).length === 0) return def.present(before);
      const outcome = await repo.update(id, patch);
      if (outcome.status !== 'updated') throw notFound(def.noun, id);
      const out = def.present(outcome.row);
      await recordAudit(tx, ctx, {
        action: 'update',
        resourceType: def.type,
        resourceId: id,
        before: def.present(before) as object,
        after: out as object,
      });
      return out;
    }),
  );
}

export function assertVersion(row: { version: number }, ifMatch: number | undefined): void {
  if (ifMatch !== undefined && row.version !== ifMatch) {
    throw new AdminError('VERSION_MISMATCH', `version is ${row.version}, If-Match asked for ${ifMatch}`, {
      current_version: row.version,
    });
  }
}

/**
 * DELETE: 404 when absent; 409 HAS_BINDINGS while bindings remain unless `cascade`, in which case each
 * binding is deleted first with its own audit event (same request id as the parent's); 409 CONFLICT
 * while non-cascadable dependents remain.
 */
export function deleteResource<Row extends { id: string; version: number }, Insert, Out, C, U, Q>(
  def: Def<Row, Insert, Out, C, U, Q>,
  ctx: AdminContext,
  id: string,
  options: { cascade: boolean },
): Promise<void> {
  return withStoreErrors(() =>
    ctx.store.transaction(async (tx) => {
      const repo = def.repository(tx);
      const row = await repo.getForUpdate(id);
      if (!row) throw notFound(def.noun, id);
      const dependents = def.dependents ? await def.dependents(tx, row) : { bindings: [], blockers: [] };
      if (dependents.blockers.length > 0) {
        const what = dependents.blockers.map((b) => `${b.count} ${b.type}`).join(', ');
        throw new AdminError(
          'CONFLICT',
          `${def.noun} ${id} is still used by ${what}; delete or move them first`,
          {
            blockers: dependents.blockers,
          },
        );
      }
      if (dependents.bindings.length > 0 && !options.cascade) {
        throw new AdminError(
          'HAS_BINDINGS',
          `${def.noun} ${id} still has ${dependents.bindings.length} binding(s); delete them or pass ?cascade=true`,
          { bindings: dependents.bindings.map((b) => ({ type: b.type, id: b.id })) },
        );
      }
      for (const binding of dependents.bindings) {
        await binding.remove(tx);
        await recordAudit(tx, ctx, {
          action: 'delete',
          resourceType: binding.type,
          resourceId: binding.id,
          before: binding.snapshot,
          after: null,
        });
      }
      await repo.delete(id);
      await recordAudit(tx, ctx, {
        action: 'delete',
        resourceType: def.type,
        resourceId: id,
        before: def.present(row) as object,
        after: null,
      });
    }),
  );
}

/** A referenced resource (`account_id` of a binding…) that must exist: 404 naming the field. */
export function requireReference<T>(row: T | undefined, noun: string, id: string, field: string): T {
  if (row === undefined)
    throw new AdminError('NOT_FOUND', `${noun} ${id} (${field}) not found`, { field, id });
  return row;
}
