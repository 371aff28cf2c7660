import type { Context } from 'hono';
import type { AdminContext } from '../domain/context.ts';
import { AdminError } from '../errors.ts';
import type { AppEnv } from '../http/env.ts';
import type { AdminDeps } from './admin-deps.ts';

const ACTOR_PATTERN = /^[A-Za-z0-9._@:/+-]{1,64}$/;
export const DEFAULT_ACTOR = 'admin-token';

const ignoreEvent = () => undefined;

/** The domain context of one admin request. `X-Admin-Actor` names who acts (the manager, a person). */
export function adminContext(c: Context<AppEnv>, deps: AdminDeps): AdminContext {
  const actor = c.req.header('x-admin-actor');
  return {
    store: deps.store,
    cipher: deps.cipher,
    actor: actor && ACTOR_PATTERN.test(actor) ? actor : DEFAULT_ACTOR,
    requestId: c.var.requestId,
    now: deps.now ?? (() => new Date()),
    emit: deps.onEvent ?? ignoreEvent,
  };
}

/** `If-Match: 3`, `"3"` or `W/"3"` → 3; absent → undefined; anything else is a 400. */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,10})"?\s*$/.exec(header);
  const version = match?.[1] === undefined ? Number.NaN : Number(match[1]);
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new AdminError(
      'VALIDATION_FAILED',
      'invalid request: If-Match: must be a resource version (integer ≥ 1)',
      [{ path: 'If-Match', message: 'must be a resource version (integer ≥ 1)' }],
    );
  }
  return version;
}
