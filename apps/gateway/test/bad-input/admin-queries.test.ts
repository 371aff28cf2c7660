import { ADMIN_RESOURCE_PATHS } from '@relay/schemas';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdminHarness, startAdminHarness } from '../admin/admin-harness.ts';
import {
  type AdminSnapshot,
  expectAdminRefusal,
  type RawAnswer,
  seedWorld,
  sendAdmin,
  snapshot,
} from './admin-world.ts';
import { absurdNumber, nastyString } from './arbitraries.ts';
import { runs } from './property-runs.ts';

/**
 * docs/architecture.md#quality-bar ("Bad input") for query strings: every list and report endpoint of the admin API, given
 * arbitrary `limit`, `cursor`, `label` selectors and filters (known names with hostile values, unknown
 * names, repeated names, broken percent-encoding), answers 200 with a page or 400 in the admin
 * envelope; never a 5xx, and reading never changes anything.
 */

let h: AdminHarness;
let before: AdminSnapshot;

beforeAll(async () => {
  h = await startAdminHarness();
  await seedWorld(h.client);
  // Labels and a second page, so selectors and cursors have something to walk.
  for (let i = 0; i < 3; i++) await h.client.users.create({ name: `u${i}`, labels: { team: `t${i}` } });
  before = await snapshot(h.client);
});

afterAll(async () => {
  if (h) {
    expect(await h.client.healthz()).toBe('ok');
    await h.close();
  }
});

const ADMIN = '/admin/v1';
const LIST_ENDPOINTS = [
  ...ADMIN_RESOURCE_PATHS.map((path) => `${ADMIN}/${path}`),
  `${ADMIN}/usage/events`,
  `${ADMIN}/usage/summary`,
  `${ADMIN}/audit-events`,
  `${ADMIN}/access`,
];

const KNOWN_PARAMS = [
  'limit',
  'cursor',
  'label',
  'status',
  'name',
  'email',
  'platform',
  'billing_mode',
  'schedulable',
  'group_id',
  'user_id',
  'account_id',
  'channel_id',
  'api_key_id',
  'key_prefix',
  'model',
  'request_id',
  'since',
  'until',
  'group_by',
  'actor',
  'action',
  'resource_type',
  'resource_id',
] as const;

const paramName = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...KNOWN_PARAMS) },
  { weight: 1, arbitrary: nastyString },
);

const paramValue: fc.Arbitrary<string> = fc.oneof(
  nastyString,
  absurdNumber.map(String),
  fc.integer({ min: -5, max: 600 }).map(String),
  fc.constantFrom('', '0', '1', '500', '501', 'true', 'yes', 'NaN', '1e3', ' 5', '5 ', '0x1f', '+7', '1.5'),
  // Label selectors, well-formed or not.
  fc.tuple(nastyString, nastyString).map(([k, v]) => `${k}=${v}`),
  fc.constantFrom('team=t1', '=x', 'team=', 'a=b=c', 'team'),
  // Ids of the right shape and of the wrong one.
  fc.constantFrom(world0Id('usr'), world0Id('grp'), 'grp_', 'grp_%00', 'usr_../x'),
  // Dates.
  fc.constantFrom(
    '2025-01-01T00:00:00Z',
    '2025-13-45T99:99:99Z',
    '0000-00-00',
    '9999-12-31T23:59:59.999Z',
    '-271821-04-20T00:00:00Z',
  ),
);

/** An id with the right prefix that exists nowhere. */
function world0Id(prefix: string): string {
  return `${prefix}_00000000000000000000000000`;
}

/** Every byte of the UTF-8 form escaped except unreserved ones (lone surrogates become U+FFFD). */
function percentEncode(value: string): string {
  return [...Buffer.from(value, 'utf8')]
    .map((byte) =>
      /[A-Za-z0-9_~-]/.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).padStart(2, '0')}`,
    )
    .join('');
}

/** A page or a report, or a 400: the only answers a query may get. */
function expectPageOrRefusal(answer: RawAnswer, path: string): void {
  if (answer.status === 200) {
    const body = answer.json as Record<string, unknown>;
    if (path.endsWith('/access')) expect(body).toBeTypeOf('object');
    else expect(Array.isArray(body.items), answer.text.slice(0, 200)).toBe(true);
    return;
  }
  expectAdminRefusal(answer, [400]);
}

describe('admin list and report query strings', () => {
  it('known and unknown parameters with hostile values, repeated at will', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...LIST_ENDPOINTS),
        // Bounded so the request line stays under Node's 16 KiB header limit (tested on its own below).
        fc
          .array(fc.tuple(paramName, paramValue), { maxLength: 6 })
          .filter((params) => new URLSearchParams(params).toString().length < 12_000),
        async (path, params) => {
          const query = new URLSearchParams(params).toString();
          const answer = await sendAdmin(h.baseUrl, { method: 'GET', path: `${path}?${query}` });
          expectPageOrRefusal(answer, path);
        },
      ),
      runs<[string, [string, string][]]>(150, [
        // Found by this property: NUL in a filter, a cursor or a label selector was a 500.
        [`${ADMIN}/users`, [['name', '\u0000']]],
        [`${ADMIN}/users`, [['cursor', '\u0000']]],
        [`${ADMIN}/groups`, [['label', 'a=\u0000']]],
        [`${ADMIN}/usage/events`, [['model', 'x\u0000']]],
        [`${ADMIN}/audit-events`, [['actor', '\u0000']]],
      ]),
    );
  });

  it('raw query strings, broken percent-encoding included', async () => {
    const rawQuery = fc.oneof(
      fc.string({ unit: 'binary-ascii', maxLength: 60 }),
      fc.constantFrom(
        '%',
        '%z',
        '%zz',
        'limit=%',
        'label=%E0%A4%A',
        'name=%C0%80',
        'cursor=%FF%FE',
        'limit=1&limit=2',
        'label[]=x',
        '&&&',
        '=',
        'limit',
      ),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...LIST_ENDPOINTS), rawQuery, async (path, raw) => {
        // `#` would end the query string on the client side; everything else goes as typed.
        const answer = await sendAdmin(h.baseUrl, {
          method: 'GET',
          path: `${path}?${raw.replaceAll('#', '%23')}`,
        });
        expectPageOrRefusal(answer, path);
      }),
      runs(80),
    );
  });

  it('a query string beyond the HTTP header limit is refused by the HTTP layer, and the process serves on', async () => {
    const answer = await sendAdmin(h.baseUrl, {
      method: 'GET',
      path: `${ADMIN}/users?name=${'x'.repeat(20_000)}`,
    });
    expect(answer.status).toBe(431);
    expect((await sendAdmin(h.baseUrl, { method: 'GET', path: `${ADMIN}/users?limit=1` })).status).toBe(200);
  });

  it('ids in the path of GET, PATCH and DELETE', async () => {
    // Dot segments are excluded: the client's URL parser resolves them before anything is sent.
    const id = fc.oneof(
      nastyString.filter((s) => s.length > 0 && s.length < 2000 && !/^(\.|%2e)+$/i.test(s)),
      fc.constantFrom('%00', '%zz', world0Id('usr')),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ADMIN_RESOURCE_PATHS),
        fc.constantFrom('GET', 'PATCH', 'DELETE'),
        id,
        async (path, method, value) => {
          const answer = await sendAdmin(h.baseUrl, {
            method,
            path: `${ADMIN}/${path}/${percentEncode(value)}`,
            ...(method === 'PATCH' ? { body: '{}', contentType: 'application/json' } : {}),
          });
          // No such resource: 404, or 400 for an id that cannot be one.
          expectAdminRefusal(answer, [400, 404]);
        },
      ),
      runs<[string, string, string]>(60, [
        // Found by this property: a NUL in an id was a 500 on read and on update.
        ['users', 'GET', '\u0000'],
        ['users', 'PATCH', 'usr_\u0000'],
        ['accounts', 'DELETE', 'acc_\u0000'],
      ]),
    );
  });

  it('pages walked with a real cursor stay consistent under a hostile limit', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ADMIN_RESOURCE_PATHS),
        fc.integer({ min: 1, max: 3 }),
        async (path, limit) => {
          const seen: string[] = [];
          let cursor: string | null = null;
          do {
            const query = new URLSearchParams({
              limit: String(limit),
              ...(cursor ? { cursor } : {}),
            }).toString();
            const answer = await sendAdmin(h.baseUrl, { method: 'GET', path: `${ADMIN}/${path}?${query}` });
            expect(answer.status).toBe(200);
            const page = answer.json as { items: { id: string }[]; next_cursor: string | null };
            seen.push(...page.items.map((item) => item.id));
            cursor = page.next_cursor;
          } while (cursor !== null);
          const all = before.collections[path] as { id: string }[];
          expect(new Set(seen).size).toBe(seen.length);
          expect([...seen].sort()).toEqual(all.map((item) => item.id).sort());
        },
      ),
      runs(12),
    );
  });

  it('reading never changed anything', async () => {
    expect(await snapshot(h.client)).toEqual(before);
  });
});
