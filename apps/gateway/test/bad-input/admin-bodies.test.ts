import { ADMIN_RESOURCE_PATHS, type AdminResourcePath, apiKeyRotateSchema } from '@relay/schemas';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdminHarness, startAdminHarness, TEST_ADMIN_TOKEN } from '../admin/admin-harness.ts';
import {
  type AdminSnapshot,
  type AdminWorld,
  expectAdminRefusal,
  knownFields,
  type RawAnswer,
  schemaAccepts,
  seedWorld,
  sendAdmin,
  snapshot,
  validCreateBody,
} from './admin-world.ts';
import {
  deepJsonText,
  hostileJsonValue,
  malformedJsonText,
  nastyString,
  nonJsonContentType,
  parsesAsJson,
  rawNumberLiteral,
} from './arbitraries.ts';
import { runs } from './property-runs.ts';
import { headerValues, KeepAliveConnection } from './raw-http.ts';

/**
 * docs/architecture.md#quality-bar ("Bad input"): every collection POST and PATCH of the admin API, fed hostile bodies,
 * answers a documented 4xx in the admin envelope (never a 5xx) and leaves every collection and the
 * audit log exactly as they were. When the published schema itself accepts a generated body the
 * request may succeed; the state it then leaves becomes the new baseline.
 */

let h: AdminHarness;
let world: AdminWorld;
let baseline: AdminSnapshot;

beforeAll(async () => {
  h = await startAdminHarness();
  world = await seedWorld(h.client);
  baseline = await snapshot(h.client);
});

afterAll(async () => {
  if (h) {
    // Whatever the properties sent, the process still serves.
    expect(await h.client.healthz()).toBe('ok');
    await h.close();
  }
});

const ADMIN = '/admin/v1';
const collection = fc.constantFrom(...ADMIN_RESOURCE_PATHS);
const method = fc.constantFrom('POST', 'PATCH');

type Attempt = {
  method: string;
  path: AdminResourcePath;
  /** Raw body text (undefined: no body). */
  body?: string | undefined;
  contentType?: string | undefined;
  headers?: Record<string, string>;
  /** The schema accepts the body: success is allowed (and changes the state). */
  mayBeAccepted: boolean;
};

function urlOf(attempt: Attempt): string {
  return attempt.method === 'POST'
    ? `${ADMIN}/${attempt.path}`
    : `${ADMIN}/${attempt.path}/${world.ids[attempt.path]}`;
}

/** Sends one attempt and checks the outcome against the documented contract. */
async function check(attempt: Attempt): Promise<RawAnswer> {
  const answer = await sendAdmin(h.baseUrl, {
    method: attempt.method,
    path: urlOf(attempt),
    body: attempt.body,
    contentType: attempt.contentType,
    headers: attempt.headers,
  });
  if (answer.status < 300 && attempt.mayBeAccepted) {
    baseline = await snapshot(h.client);
    return answer;
  }
  expectAdminRefusal(answer);
  expect(await snapshot(h.client), 'a refused request changed the state').toEqual(baseline);
  return answer;
}

function isEmptyObject(value: unknown): boolean {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0
  );
}

function bodyAttempt(
  m: string,
  path: AdminResourcePath,
  value: unknown,
  extra: Partial<Attempt> = {},
): Attempt {
  const kind = m === 'POST' ? 'create' : 'update';
  return {
    method: m,
    path,
    body: JSON.stringify(value),
    contentType: 'application/json',
    mayBeAccepted: schemaAccepts(path, kind, value),
    ...extra,
  };
}

describe('admin POST and PATCH bodies', () => {
  it('arbitrary JSON values as the whole body', async () => {
    await fc.assert(
      fc.asyncProperty(method, collection, hostileJsonValue, async (m, path, value) => {
        await check(bodyAttempt(m, path, value));
      }),
      runs<[string, AdminResourcePath, unknown]>(40, [
        // Found by this property: NUL in a text column was a 500 (Postgres refuses 0x00).
        ['POST', 'users', { name: 'a\u0000b' }],
        ['PATCH', 'groups', { labels: { a: '\u0000' } }],
      ]),
    );
  });

  it('a valid body with one known field set to a hostile value', async () => {
    const arbitrary = fc
      .tuple(method, collection)
      .chain(([m, path]) =>
        fc.tuple(
          fc.constant(m),
          fc.constant(path),
          fc.constantFrom(...knownFields(path, m === 'POST' ? 'create' : 'update')),
          hostileJsonValue,
        ),
      );
    await fc.assert(
      fc.asyncProperty(arbitrary, async ([m, path, field, value]) => {
        const base = m === 'POST' ? validCreateBody(world, path) : {};
        await check(bodyAttempt(m, path, { ...base, [field]: value }));
      }),
      runs<[[string, AdminResourcePath, string, unknown]]>(80, [
        // Found by this property: NUL in text and in jsonb (labels, model maps) was a 500.
        [['POST', 'users', 'name', 'a\u0000b']],
        [['POST', 'groups', 'model_aliases', { a: 'b\u0000' }]],
        // Found by this property: an unpaired surrogate in a jsonb value (labels, maps) was a 500.
        [['POST', 'groups', 'model_aliases', { '-0': '\ud800' }]],
        [['PATCH', 'users', 'labels', { a: 'x\udc00' }]],
        // Found by this property: an invalid base_url makes the schema's refine throw (500), see report.
        [['PATCH', 'accounts', 'base_url', '']],
        [['POST', 'accounts', 'base_url', 'not a url']],
      ]),
    );
  });

  it('a valid body with extra fields', async () => {
    const extraKey = fc.oneof(
      nastyString,
      fc.constantFrom('__proto__', 'constructor', 'prototype', 'id', 'version'),
    );
    await fc.assert(
      fc.asyncProperty(method, collection, extraKey, hostileJsonValue, async (m, path, key, value) => {
        const base = m === 'POST' ? validCreateBody(world, path) : {};
        // JSON text, so `__proto__` arrives as an own key exactly as a client would send it.
        const body = `${JSON.stringify(base).slice(0, -1)}${Object.keys(base).length > 0 ? ',' : ''}${JSON.stringify(key)}:${JSON.stringify(value)}}`;
        const kind = m === 'POST' ? 'create' : 'update';
        await check({
          method: m,
          path,
          body,
          contentType: 'application/json',
          mayBeAccepted: schemaAccepts(path, kind, JSON.parse(body)),
        });
      }),
      runs(40),
    );
  });

  it('number literals JSON.stringify never writes (1e999, 400 digits, -0) in numeric fields', async () => {
    const arbitrary = fc
      .tuple(method, collection)
      .chain(([m, path]) =>
        fc.tuple(
          fc.constant(m),
          fc.constant(path),
          fc.constantFrom(...knownFields(path, m === 'POST' ? 'create' : 'update')),
          rawNumberLiteral,
        ),
      );
    await fc.assert(
      fc.asyncProperty(arbitrary, async ([m, path, field, literal]) => {
        const base = m === 'POST' ? validCreateBody(world, path) : {};
        const body = JSON.stringify({ ...base, [field]: '@@' }).replace('"@@"', literal);
        await check({
          method: m,
          path,
          body,
          contentType: 'application/json',
          mayBeAccepted: schemaAccepts(path, m === 'POST' ? 'create' : 'update', JSON.parse(body)),
        });
      }),
      runs(40),
    );
  });

  it('malformed JSON text', async () => {
    await fc.assert(
      fc.asyncProperty(method, collection, malformedJsonText, async (m, path, text) => {
        const kind = m === 'POST' ? 'create' : 'update';
        const mayBeAccepted = parsesAsJson(text) && schemaAccepts(path, kind, JSON.parse(text));
        const answer = await check({
          method: m,
          path,
          body: text,
          contentType: 'application/json',
          mayBeAccepted,
        });
        if (!parsesAsJson(text)) expect(answer.status).toBe(400);
      }),
      runs(40),
    );
  });

  it('a valid body under a content type that is not JSON, or none', async () => {
    await fc.assert(
      fc.asyncProperty(method, collection, nonJsonContentType, async (m, path, contentType) => {
        const body = JSON.stringify(m === 'POST' ? validCreateBody(world, path) : { labels: { a: 'b' } });
        const answer = await check({ method: m, path, body, contentType, mayBeAccepted: false });
        expect(answer.status).toBe(400);
      }),
      runs(40),
    );
  });

  it('bodies nested far deeper than any resource, with and without Idempotency-Key', async () => {
    await fc.assert(
      fc.asyncProperty(
        method,
        collection,
        deepJsonText,
        fc.option(fc.uuid(), { nil: undefined }),
        async (m, path, text, idempotencyKey) => {
          const headers: Record<string, string> = idempotencyKey ? { 'idempotency-key': idempotencyKey } : {};
          const answer = await check({
            method: m,
            path,
            body: text,
            contentType: 'application/json',
            headers,
            mayBeAccepted: false,
          });
          expect(answer.status).toBe(400);
        },
      ),
      runs(16),
    );
  });

  it('bodies over the 1 MiB admin limit are 413, and the connection serves on or says it closes', async () => {
    const port = Number(new URL(h.baseUrl).port);
    await fc.assert(
      fc.asyncProperty(
        method,
        collection,
        fc.integer({ min: 1024 * 1024 + 1, max: 1024 * 1024 + 64 * 1024 }),
        fc.boolean(),
        async (m, path, size, chunked) => {
          const base = m === 'POST' ? validCreateBody(world, path) : {};
          const json = JSON.stringify({ ...base, labels: { pad: '' } });
          const body = json.replace('"pad":""', `"pad":"${'x'.repeat(Math.max(0, size - json.length))}"`);
          const headers = [`Authorization: Bearer ${TEST_ADMIN_TOKEN}`, 'Content-Type: application/json'];
          const url = urlOf({ method: m, path, mayBeAccepted: false });
          const connection = await KeepAliveConnection.open(port);
          try {
            const answer = await connection.send({
              method: m,
              path: url,
              headers,
              body: Buffer.from(body),
              chunked,
            });
            expect(answer.status).toBe(413);
            expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'REQUEST_TOO_LARGE' } });
            if (!headerValues(answer, 'connection').some((v) => /close/i.test(v))) {
              // Kept alive: a client's pool sends its next request on this very connection.
              const next = await connection.send({ method: 'GET', path: '/healthz', headers: [] }, 2_000);
              expect(next.status).toBe(200);
            }
          } finally {
            connection.close();
          }
          expect(await snapshot(h.client), 'a refused request changed the state').toEqual(baseline);
        },
      ),
      {
        ...runs<[string, AdminResourcePath, number, boolean]>(8, [
          // Found by this property: the 413 said keep-alive, then the connection died under the next request.
          ['POST', 'users', 1024 * 1024 + 1, false],
        ]),
        endOnFailure: true,
      },
    );
  });

  it('action POSTs (revoke, rotate, clear-cooldown) with hostile bodies', async () => {
    const ACTIONS = [
      { path: 'api-keys', action: 'revoke', accepts: isEmptyObject },
      {
        path: 'api-keys',
        action: 'rotate',
        accepts: (v: unknown) => apiKeyRotateSchema.safeParse(v).success,
      },
      { path: 'accounts', action: 'clear-cooldown', accepts: isEmptyObject },
    ] as const;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ACTIONS), hostileJsonValue, async (target, value) => {
        const answer = await sendAdmin(h.baseUrl, {
          method: 'POST',
          path: `${ADMIN}/${target.path}/${world.ids[target.path]}/${target.action}`,
          body: JSON.stringify(value),
          contentType: 'application/json',
        });
        if (answer.status < 300 && target.accepts(value)) {
          baseline = await snapshot(h.client);
          return;
        }
        expectAdminRefusal(answer);
        expect(await snapshot(h.client), 'a refused request changed the state').toEqual(baseline);
      }),
      runs(30),
    );
  });

  it('hostile If-Match and Idempotency-Key headers on a valid body', async () => {
    const header = fc
      .string({ unit: 'binary-ascii', maxLength: 300 })
      .filter((s) => /^[\x20-\x7e]*$/.test(s));
    await fc.assert(
      fc.asyncProperty(method, collection, header, async (m, path, value) => {
        const name = m === 'POST' ? 'idempotency-key' : 'if-match';
        const body = m === 'POST' ? validCreateBody(world, path) : { labels: { touched: 'yes' } };
        await check(bodyAttempt(m, path, body, { headers: { [name]: value } }));
      }),
      runs(40),
    );
  });
});
