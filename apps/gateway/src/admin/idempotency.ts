import { createHash } from 'node:crypto';
import { idempotencyKeySchema } from '@relay/schemas';
import type { MiddlewareHandler } from 'hono';
import { AdminError } from '../errors.ts';
import type { AppEnv } from '../http/env.ts';
import type { CredentialCipher } from '../secrets/index.ts';
import type { IdempotencyRepository } from '../store/idempotency-repository.ts';

export const DEFAULT_IDEMPOTENCY_TTL_SECONDS = 24 * 3600;
/** How long a request waits for a concurrent request with the same key before answering 409. */
const IN_PROGRESS_WAIT_MS = 10_000;
const POLL_MS = 25;
const PURGE_EVERY_MS = 10 * 60_000;

export interface IdempotencyOptions {
  records: IdempotencyRepository;
  cipher: CredentialCipher;
  ttlSeconds: number;
}

/**
 * `Idempotency-Key` on POST (gateway.md §5). The first request with a key claims it (an insert that
 * only one concurrent request can win), runs, and stores its answer (< 500) for `ttlSeconds`; a retry
 * with the same method, path and body gets that answer with `Idempotency-Replayed: true`, a retry
 * with another body gets 409 IDEMPOTENCY_CONFLICT. A request arriving while the first still runs
 * waits for its answer, then replays it (409 IDEMPOTENCY_IN_PROGRESS if it takes too long). 5xx
 * answers are not stored, so a retry after a server failure runs again.
 *
 * Stored answers are encrypted: an api-key create answer holds the key's only plaintext copy.
 */
export function idempotency(options: IdempotencyOptions): MiddlewareHandler<AppEnv> {
  let lastPurge = 0;
  return async function idempotentPost(c, next) {
    if (c.req.method !== 'POST') return next();
    const key = c.req.header('idempotency-key');
    if (key === undefined) return next();
    if (!idempotencyKeySchema.safeParse(key).success) {
      throw new AdminError(
        'VALIDATION_FAILED',
        'invalid request: Idempotency-Key: must be 1-255 printable ASCII chars',
        [{ path: 'Idempotency-Key', message: 'must be 1-255 printable ASCII chars' }],
      );
    }
    if (Date.now() - lastPurge > PURGE_EVERY_MS) {
      lastPurge = Date.now();
      options.records.purgeExpired().catch((error: unknown) => {
        c.var.logger.warn({ err: error }, 'idempotency purge failed');
      });
    }

    const hash = requestHash(c.req.method, c.req.path, await c.req.text());
    const context = `idempotency:${key}`;
    const claim = await options.records.claim(key, hash, options.ttlSeconds);
    if (claim.status === 'exists') {
      if (claim.record.requestHash !== hash) {
        throw new AdminError(
          'IDEMPOTENCY_CONFLICT',
          'this Idempotency-Key was used with another request (method, path or body); use a new key',
        );
      }
      const done =
        claim.record.state === 'completed' ? claim.record : await waitForCompletion(options.records, key);
      if (done?.responseStatus == null) {
        throw new AdminError(
          'IDEMPOTENCY_IN_PROGRESS',
          'a request with this Idempotency-Key is still running; retry later',
        );
      }
      const body = done.responseBody ? options.cipher.decrypt(done.responseBody, context) : null;
      return new Response(body, {
        status: done.responseStatus,
        headers: {
          ...(body ? { 'content-type': 'application/json' } : {}),
          'idempotency-replayed': 'true',
        },
      });
    }

    try {
      await next();
    } catch (error) {
      await options.records.release(key);
      throw error;
    }
    if (c.res.status >= 500) {
      await options.records.release(key);
      return;
    }
    const text = await c.res.clone().text();
    await options.records.complete(key, c.res.status, options.cipher.encrypt(text, context));
  };
}

async function waitForCompletion(records: IdempotencyRepository, key: string) {
  const deadline = Date.now() + IN_PROGRESS_WAIT_MS;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    const record = await records.get(key);
    // Gone: the first request failed with a 5xx and released the key; this one did not run either.
    if (!record) return undefined;
    if (record.state === 'completed') return record;
  }
  return undefined;
}

function requestHash(method: string, path: string, body: string): string {
  return createHash('sha256')
    .update(`${method} ${path}\n${canonicalBody(body)}`)
    .digest('hex');
}

/** JSON bodies compare by content (key order and whitespace do not matter); others byte for byte. */
function canonicalBody(body: string): string {
  try {
    return canonicalJson(JSON.parse(body));
  } catch {
    return body;
  }
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
