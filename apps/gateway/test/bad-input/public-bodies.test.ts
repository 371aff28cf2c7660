import { moneyToMicros } from '@relay/schemas';
import type { MockUpstream } from '@relay/testkit';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  callGateway,
  MockUpstreams,
  type RawAnswer,
  type RelayGateway,
  seedTenant,
  startRelayGateway,
  type Tenant,
  usageEventOf,
  usageEventsOfKey,
} from '../support/relay-harness.ts';
import {
  absurdNumber,
  hostileJsonValue,
  malformedJsonText,
  nastyString,
  parsesAsJson,
} from './arbitraries.ts';
import { runs } from './property-runs.ts';
import { expectPublicRefusal, postRaw } from './public-api.ts';
import { headerValues, KeepAliveConnection, type RawResponse } from './raw-http.ts';

/**
 * quality.md "Bad input" on the tenant API: whatever a client sends to /v1/chat/completions,
 * /v1/embeddings, /v1/responses, /v1/messages(/count_tokens) and /v1/models, a request the gateway
 * must refuse gets a documented 4xx in its route family's envelope, never a 5xx; it never reaches an
 * upstream, writes no usage event and leaves the tenant's balance untouched.
 */

const BODY_LIMIT = 64 * 1024;
let gateway: RelayGateway;
const mocks = new MockUpstreams();
let mock: MockUpstream;
let openai: Tenant;
let anthropic: Tenant;
/** Its account serves any model, so a hostile model name goes all the way to the upstream. */
let anyModel: Tenant;
/** Tenants whose requests on the other platform's routes are translated, on a mock of their own. */
let translatedMock: MockUpstream;
let translatedOpenai: Tenant;
let translatedAnthropic: Tenant;

const OPENAI_MODELS = ['gpt-4o-mini', 'text-embedding-3-small'];
const ANTHROPIC_MODELS = ['claude-sonnet-4-5'];

beforeAll(async () => {
  gateway = await startRelayGateway({ GATEWAY_BODY_LIMIT_BYTES: String(BODY_LIMIT) });
  mock = await mocks.start();
  // Priced, so a request that slipped through to billing would move the balance.
  for (const model of [...OPENAI_MODELS, ...ANTHROPIC_MODELS]) {
    await gateway.admin.prices.create({ model, input: '10', output: '30' });
  }
  openai = await seedTenant(gateway.admin, {
    platform: 'openai',
    accounts: [{ mock, models: OPENAI_MODELS }],
  });
  anthropic = await seedTenant(gateway.admin, {
    platform: 'anthropic',
    accounts: [{ mock, models: ANTHROPIC_MODELS }],
  });
  anyModel = await seedTenant(gateway.admin, { platform: 'openai', accounts: [{ mock, models: [] }] });
  translatedMock = await mocks.start();
  translatedOpenai = await seedTenant(gateway.admin, {
    platform: 'openai',
    accounts: [{ mock: translatedMock, models: OPENAI_MODELS, account: { protocols: { chat: {} } } }],
  });
  translatedAnthropic = await seedTenant(gateway.admin, {
    platform: 'anthropic',
    accounts: [{ mock: translatedMock, models: ANTHROPIC_MODELS }],
  });
});

afterAll(async () => {
  await gateway?.close();
  await mocks.closeAll();
});

type Route = {
  path: string;
  tenant: () => Tenant;
  /** A body the gateway relays, to corrupt one field at a time. */
  valid: Record<string, unknown>;
};

const ROUTES: Route[] = [
  {
    path: '/v1/chat/completions',
    tenant: () => openai,
    valid: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
  },
  { path: '/v1/embeddings', tenant: () => openai, valid: { model: 'text-embedding-3-small', input: 'hi' } },
  { path: '/v1/responses', tenant: () => openai, valid: { model: 'gpt-4o-mini', input: 'hi' } },
  {
    path: '/v1/messages',
    tenant: () => anthropic,
    valid: { model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] },
  },
  {
    path: '/v1/messages/count_tokens',
    tenant: () => anthropic,
    valid: { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi' }] },
  },
];
const route = fc.constantFrom(...ROUTES);

/** A request that must be refused, the statuses it may be refused with, and why (for the report). */
type Refused = { route: Route; body: string; expect: number[] };

const nonObjectJson = hostileJsonValue.filter((v) => typeof v !== 'object' || v === null || Array.isArray(v));
const notAString = hostileJsonValue.filter((v) => typeof v !== 'string');
const notABoolean = hostileJsonValue.filter((v) => typeof v !== 'boolean' && v !== null);

/** `model` a client might send that no gateway can route: wrong type, empty, blank, or too long. */
const unusableModel = fc.oneof(notAString, fc.constantFrom('', ' ', '\t\n', 'x'.repeat(257)));

const refusedRequest: fc.Arbitrary<Refused> = fc.oneof(
  // Not a JSON object at all.
  fc.tuple(route, nonObjectJson).map(([r, v]) => ({ route: r, body: JSON.stringify(v), expect: [400] })),
  fc
    .tuple(
      route,
      malformedJsonText.filter((t) => !parsesAsJson(t)),
    )
    .map(([r, t]) => ({ route: r, body: t, expect: [400] })),
  route.map((r) => ({ route: r, body: '', expect: [400] })),
  // model missing or unusable.
  route.map((r) => {
    const { model: _model, ...rest } = r.valid;
    return { route: r, body: JSON.stringify(rest), expect: [400] };
  }),
  fc
    .tuple(route, unusableModel)
    .map(([r, model]) => ({ route: r, body: JSON.stringify({ ...r.valid, model }), expect: [400] })),
  // A well-formed model name the key's group does not serve (NUL, lone surrogates and all): 404.
  fc
    .tuple(
      route,
      nastyString.filter((m) => m.trim() !== '' && m.length <= 256),
    )
    .filter(([, model]) => ![...OPENAI_MODELS, ...ANTHROPIC_MODELS].includes(model))
    .map(([r, model]) => ({ route: r, body: JSON.stringify({ ...r.valid, model }), expect: [404] })),
  // stream that is not a boolean.
  fc
    .tuple(route, notABoolean)
    .map(([r, stream]) => ({ route: r, body: JSON.stringify({ ...r.valid, stream }), expect: [400] })),
  // messages that are not a non-empty array.
  fc
    .tuple(fc.constantFrom(...ROUTES.filter((r) => 'messages' in r.valid)), hostileJsonValue)
    .filter(([, messages]) => !Array.isArray(messages) || messages.length === 0)
    .map(([r, messages]) => ({ route: r, body: JSON.stringify({ ...r.valid, messages }), expect: [400] })),
  // max_tokens that is not a positive integer (Messages API).
  fc
    .oneof(hostileJsonValue, absurdNumber)
    .filter((v) => !(typeof v === 'number' && Number.isInteger(v) && v >= 1))
    .map((maxTokens) => {
      const r = ROUTES[3] as Route;
      return { route: r, body: JSON.stringify({ ...r.valid, max_tokens: maxTokens }), expect: [400] };
    }),
  // Embeddings input that is neither a string nor an array.
  hostileJsonValue
    .filter((v) => typeof v !== 'string' && !Array.isArray(v))
    .map((input) => {
      const r = ROUTES[1] as Route;
      return { route: r, body: JSON.stringify({ ...r.valid, input }), expect: [400] };
    }),
);

/** A bare-socket answer in the shape the envelope checks read. */
function asAnswer(response: RawResponse): RawAnswer {
  let json: unknown;
  try {
    json = JSON.parse(response.body);
  } catch {
    json = undefined;
  }
  return { status: response.status ?? 0, headers: new Headers(response.headers), text: response.body, json };
}

/** A valid body padded with an extra field to `size` bytes. */
function paddedBody(r: Route, size: number): string {
  const json = JSON.stringify({ ...r.valid, pad: '' });
  return json.replace('"pad":""', `"pad":"${'x'.repeat(Math.max(0, size - json.length))}"`);
}

/**
 * A route called with the other platform's key and that key's own model: translated for its accounts
 * (embeddings excepted: they exist on OpenAI-platform groups only).
 */
const translatedRoute = route.map((r) => {
  const toAnthropic = r.tenant() === openai;
  return {
    route: r,
    secret: () => (toAnthropic ? translatedAnthropic.secret : translatedOpenai.secret),
    body: { ...r.valid, model: toAnthropic ? 'claude-sonnet-4-5' : 'gpt-4o-mini' },
  };
});

/** Fields whose hostile values a translation must refuse or carry, never crash on. */
const TRANSLATED_FIELDS = [
  'messages',
  'input',
  'instructions',
  'system',
  'tools',
  'tool_choice',
  'stop',
  'stop_sequences',
  'temperature',
  'max_tokens',
  'max_completion_tokens',
  'n',
  'parallel_tool_calls',
  'metadata',
  'text',
  'previous_response_id',
];

/** A hostile value in one field, or in the content / tool calls of the first message. */
const hostileTranslated = fc.oneof(
  fc
    .tuple(translatedRoute, fc.constantFrom(...TRANSLATED_FIELDS), hostileJsonValue)
    .map(([t, field, value]) => ({ ...t, body: { ...t.body, [field]: value } })),
  fc.tuple(translatedRoute, hostileJsonValue, hostileJsonValue).map(([t, content, calls]) => ({
    ...t,
    body: {
      ...t.body,
      messages: [
        { role: 'user', content },
        { role: 'assistant', content: null, tool_calls: calls },
        { role: 'tool', tool_call_id: content, content: calls },
      ],
    },
  })),
);

/** The family envelope of any refusal: the gateway's own (with a code) or a translated upstream error. */
function expectFamilyEnvelope(answer: RawAnswer, path: string): void {
  const shown = `${answer.status} ${answer.text.slice(0, 300)}`;
  const json = answer.json as { type?: unknown; error?: { type?: unknown; message?: unknown } } | undefined;
  if (path.startsWith('/v1/messages')) expect(json?.type, shown).toBe('error');
  expect(typeof json?.error?.type, shown).toBe('string');
  expect(typeof json?.error?.message, shown).toBe('string');
}

describe('tenant API bodies', () => {
  let upstreamCallsBefore = 0;
  beforeAll(() => {
    upstreamCallsBefore = mock.counts().total;
  });

  it('a refused body gets a documented 4xx in its family envelope', async () => {
    await fc.assert(
      fc.asyncProperty(refusedRequest, async (refused) => {
        const answer = await postRaw(gateway.url, refused.route.path, {
          body: refused.body,
          headers: { authorization: `Bearer ${refused.route.tenant().secret}` },
        });
        expectPublicRefusal(answer, refused.route.path, refused.expect);
      }),
      runs<[Refused]>(150),
    );
  });

  it('a body over GATEWAY_BODY_LIMIT_BYTES is a 413, and the connection serves the next request', async () => {
    const port = Number(new URL(gateway.url).port);
    await fc.assert(
      fc.asyncProperty(
        route,
        fc.integer({ min: BODY_LIMIT + 1, max: BODY_LIMIT * 16 }),
        fc.boolean(),
        async (r, size, chunked) => {
          const headers = [`Authorization: Bearer ${r.tenant().secret}`, 'Content-Type: application/json'];
          const connection = await KeepAliveConnection.open(port);
          try {
            const answer = await connection.send({
              method: 'POST',
              path: r.path,
              headers,
              body: Buffer.from(paddedBody(r, size)),
              chunked,
            });
            expectPublicRefusal(asAnswer(answer), r.path, [413]);
            const closes = headerValues(answer, 'connection').some((v) => /close/i.test(v));
            if (closes) return;
            // The answer kept the connection open: the client's pool hands it to the next request.
            const next = await connection.send(
              { method: 'POST', path: r.path, headers, body: Buffer.from('[]') },
              2_000,
            );
            expectPublicRefusal(asAnswer(next), r.path, [400]);
          } finally {
            connection.close();
          }
        },
      ),
      {
        ...runs<[Route, number, boolean]>(24, [
          // Found by this property (relay/read-body.ts, reported): after a chunked body over the limit
          // the 413 says keep-alive, but the connection never answers another request.
          [ROUTES[0] as Route, 196_000, true],
        ]),
        // Each failing run waits for an answer that never comes: report the first, do not shrink.
        endOnFailure: true,
      },
    );
  }, 60_000);

  it("a valid body on the other platform's route is translated for the key's own accounts", async () => {
    await fc.assert(
      fc.asyncProperty(translatedRoute, async ({ route: r, secret, body }) => {
        const answer = await postRaw(gateway.url, r.path, {
          body: JSON.stringify(body),
          headers: { authorization: `Bearer ${secret()}` },
        });
        if (r.path === '/v1/embeddings') expectPublicRefusal(answer, r.path, [400]);
        else expect(answer.status, answer.text.slice(0, 300)).toBe(200);
      }),
      runs(10),
    );
  });

  it('a hostile body on a translated route is never a 5xx, and a refusal is in the route family envelope', async () => {
    await fc.assert(
      fc.asyncProperty(hostileTranslated, async ({ route: r, secret, body }) => {
        const answer = await postRaw(gateway.url, r.path, {
          body: JSON.stringify(body),
          headers: { authorization: `Bearer ${secret()}` },
        });
        expect(answer.status, answer.text.slice(0, 300)).toBeLessThan(500);
        if (answer.status >= 400) expectFamilyEnvelope(answer, r.path);
      }),
      runs(150),
    );
  });

  it('GET /v1/models and /v1/models/{id} with hostile ids and query strings', async () => {
    const param = fc.tuple(
      fc.oneof(fc.constantFrom('limit', 'after', 'before', 'model', 'key', 'api_key'), nastyString),
      nastyString,
    );
    await fc.assert(
      fc.asyncProperty(
        fc.option(
          nastyString.filter((id) => id.length > 0 && id.length < 2000),
          { nil: undefined },
        ),
        // Bounded under Node's 16 KiB header limit, past which Node itself answers 431.
        fc
          .array(param, { maxLength: 3 })
          .filter((params) => new URLSearchParams(params).toString().length < 8_000),
        async (id, params) => {
          const bytes = (s: string) =>
            [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
          const path = id === undefined ? '/v1/models' : `/v1/models/${bytes(id)}`;
          const query = new URLSearchParams(params).toString();
          const answer = await callGateway(gateway, query ? `${path}?${query}` : path, {
            method: 'GET',
            secret: openai.secret,
          });
          if (answer.status === 200) {
            expect(answer.json).toMatchObject(
              id === undefined ? { object: 'list' } : { id, object: 'model' },
            );
            return;
          }
          // A key-looking query parameter is refused (400); an unknown id is a 404.
          expectPublicRefusal(answer, path, [400, 404]);
        },
      ),
      runs<[string | undefined, [string, string][]]>(60, [[undefined, [['key', 'sk-x']]]]),
    );
  });

  it('a hostile model name an any-model account relays is billed exactly once, like any other', async () => {
    const relayed: string[] = [];
    await fc.assert(
      fc.asyncProperty(
        nastyString.filter((model) => model.trim() !== '' && model.length <= 256),
        async (model) => {
          const answer = await callGateway(gateway, '/v1/chat/completions', {
            secret: anyModel.secret,
            body: { model, messages: [{ role: 'user', content: 'hi' }] },
          });
          expect(answer.status, answer.text.slice(0, 200)).toBe(200);
          relayed.push(answer.headers.get('x-request-id') ?? '');
        },
      ),
      runs<[string]>(12, [['gpt\u0000x'], ['x\ud800'], ['\u202e\u0644']]),
    );
    // Every relayed request has its one event (NUL and lone surrogates did not sink a batch).
    const events = await usageEventsOfKey(gateway.admin, anyModel.key.id, relayed.length);
    expect(events.map((event) => event.request_id).sort()).toEqual([...relayed].sort());
  });

  it('nothing refused reached an upstream, wrote a usage event or moved a balance', async () => {
    // Only the relayed hostile-model requests above reached the upstream.
    const relayedCount = (await gateway.admin.usage.events({ api_key_id: anyModel.key.id, limit: 500 })).items
      .length;
    expect(mock.counts().total - upstreamCallsBefore).toBe(relayedCount);
    for (const [tenant, path, body] of [
      [openai, '/v1/chat/completions', ROUTES[0]?.valid],
      [anthropic, '/v1/messages', ROUTES[3]?.valid],
    ] as const) {
      // One request that does go through: once its event is written, every earlier event would be too.
      const ok = await callGateway(gateway, path, { secret: tenant.secret, body });
      expect(ok.status, ok.text.slice(0, 300)).toBe(200);
      const requestId = ok.headers.get('x-request-id') ?? '';
      const sentinel = await usageEventOf(gateway.admin, requestId);
      const events = await gateway.admin.usage.events({ api_key_id: tenant.key.id, limit: 500 });
      expect(events.items.map((event) => event.request_id)).toEqual([requestId]);
      // The event and the debit are written in one transaction.
      const user = await gateway.admin.users.get(tenant.user.id);
      expect(moneyToMicros(user.balance_usd)).toBe(
        moneyToMicros(tenant.user.balance_usd) - moneyToMicros(sentinel.charged_usd),
      );
      expect(moneyToMicros(sentinel.charged_usd)).toBeGreaterThan(0);
    }
    expect(mock.counts().total - upstreamCallsBefore).toBe(relayedCount + 2);
  });
});
