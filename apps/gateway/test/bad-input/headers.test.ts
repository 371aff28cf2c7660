import { ADMIN_ERROR_STATUS, PUBLIC_ERROR_STATUS } from '@relay/schemas';
import type { MockUpstream } from '@relay/testkit';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  E2E_ADMIN_TOKEN,
  MockUpstreams,
  type RelayGateway,
  seedTenant,
  startRelayGateway,
  type Tenant,
} from '../support/relay-harness.ts';
import { nastyString } from './arbitraries.ts';
import { runs } from './property-runs.ts';
import { SANE_REQUEST_ID } from './public-api.ts';
import { headerValues, type RawResponse, rawRequest } from './raw-http.ts';

/**
 * docs/architecture.md#quality-bar ("Bad input") and "Security" for headers: request ids carrying CR/LF, control bytes,
 * Unicode or kilobytes never come back as anything but a sane x-request-id, and never inject a header
 * of their own; garbage credentials in Authorization or x-api-key are a 401 with the documented code.
 * Requests go over a bare socket so every byte arrives exactly as generated.
 */

let gateway: RelayGateway;
let port: number;
const mocks = new MockUpstreams();
let mock: MockUpstream;
let tenant: Tenant;

beforeAll(async () => {
  // Hundreds of wrong credentials from one address: guessing throttles would answer 429 (they have
  // their own test, test/shell/admin-surface.test.ts).
  gateway = await startRelayGateway({
    GATEWAY_ADMIN_AUTH_FAILURE_LIMIT: '0',
    GATEWAY_KEY_AUTH_FAILURE_LIMIT: '0',
  });
  port = Number(new URL(gateway.url).port);
  mock = await mocks.start();
  tenant = await seedTenant(gateway.admin, {
    platform: 'openai',
    accounts: [{ mock, models: ['gpt-4o-mini'] }],
  });
});

afterAll(async () => {
  if (gateway) {
    // Whatever arrived, the process still serves.
    expect(await gateway.admin.healthz()).toBe('ok');
    await gateway.close();
  }
  await mocks.closeAll();
});

const CHAT = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });

type Target = {
  name: string;
  method: string;
  path: string;
  auth?: () => string;
  body?: string;
  status: number;
};
const TARGETS: Target[] = [
  { name: 'healthz', method: 'GET', path: '/healthz', status: 200 },
  { name: 'models', method: 'GET', path: '/v1/models', auth: () => `Bearer ${tenant.secret}`, status: 200 },
  {
    name: 'refused chat',
    method: 'POST',
    path: '/v1/chat/completions',
    auth: () => `Bearer ${tenant.secret}`,
    body: '[]',
    status: 400,
  },
  // Relayed: the relay writes its own headers to the socket.
  {
    name: 'relayed chat',
    method: 'POST',
    path: '/v1/chat/completions',
    auth: () => `Bearer ${tenant.secret}`,
    body: CHAT,
    status: 200,
  },
  {
    name: 'admin',
    method: 'GET',
    path: '/admin/v1/capabilities',
    auth: () => `Bearer ${E2E_ADMIN_TOKEN}`,
    status: 200,
  },
];

/** Bytes an HTTP/1.1 header value may not contain (RFC 9110 field-value): Node's parser answers 400 itself. */
function invalidInHeader(value: string): boolean {
  return [...value].some((char) => {
    const code = char.charCodeAt(0);
    return (code < 0x20 && code !== 0x09) || code === 0x7f;
  });
}

/** Node's own refusal of a malformed request: a bare 400 without anything from the gateway. */
function isParserRefusal(response: RawResponse): boolean {
  return response.status === 400 && headerValues(response, 'x-request-id').length === 0;
}

const SANE_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-';
const saneId = fc.string({ unit: fc.constantFrom(...SANE_CHARS), minLength: 1, maxLength: 128 });

/** x-request-id values a client (or an attacker) might send, as the raw bytes of the header value. */
const hostileRequestId: fc.Arbitrary<Buffer> = fc.oneof(
  saneId.map((id) => Buffer.from(id)),
  // Header injection: CR LF followed by a header of the attacker's, or by a whole second request.
  fc
    .tuple(
      saneId,
      fc.constantFrom('x-injected: yes', 'Set-Cookie: session=stolen', '', 'GET /admin/v1/users HTTP/1.1'),
    )
    .map(([id, tail]) => Buffer.from(`${id}\r\n${tail}`)),
  // Bare CR, bare LF, NUL and other control bytes inside the value.
  fc
    .tuple(saneId, fc.constantFrom('\r', '\n', '\u0000', '\u0007', '\u001b[31m', '\u007f'), saneId)
    .map(([a, ctl, b]) => Buffer.from(`${a}${ctl}${b}`, 'latin1')),
  // Too long for an id (but within the header limit).
  fc.integer({ min: 129, max: 12_000 }).map((n) => Buffer.from('a'.repeat(n))),
  // Unicode as UTF-8 bytes, and arbitrary high bytes.
  nastyString.filter((s) => s.length < 4000).map((s) => Buffer.from(s, 'utf8')),
  fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
);

/** What the server sees of a header value: Latin-1 bytes, surrounding spaces and tabs dropped. */
const asReceived = (bytes: Buffer) => bytes.toString('latin1').replace(/^[ \t]+|[ \t]+$/g, '');

describe('x-request-id', () => {
  it('is always answered with one sane request id, never an injected header', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...TARGETS), hostileRequestId, async (target, value) => {
        const lines: (string | Buffer)[] = [Buffer.concat([Buffer.from('X-Request-Id: '), value])];
        if (target.auth) lines.push(`Authorization: ${target.auth()}`);
        if (target.body !== undefined) lines.push('Content-Type: application/json');
        const response = await rawRequest(port, {
          method: target.method,
          path: target.path,
          headers: lines,
          body: target.body,
        });
        const raw = value.toString('latin1');
        if (isParserRefusal(response)) {
          expect(invalidInHeader(raw), `Node refused a well-formed request: ${JSON.stringify(raw)}`).toBe(
            true,
          );
          return;
        }
        const shown = `${target.name}: ${response.status} ${response.body.slice(0, 200)}`;
        // A CR LF pair ends the header line early: what follows may re-shape the request (cut its
        // headers short, start a second one), so only "not a 5xx" is expected of the status then.
        if (raw.includes('\r\n')) expect(response.status ?? 500, shown).toBeLessThan(500);
        else expect(response.status, shown).toBe(target.status);
        const ids = headerValues(response, 'x-request-id');
        expect(ids).toHaveLength(1);
        expect(ids[0]).toMatch(SANE_REQUEST_ID);
        // What the server saw up to the first line break is the caller's id: kept when sane on admin
        // and ops routes; tenant routes always make their own (it keys the usage event, ADR 0006).
        const seen = asReceived(Buffer.from(raw.split('\r\n')[0] ?? '', 'latin1'));
        if (target.path.startsWith('/v1/')) expect(ids[0]).not.toBe(seen);
        else if (SANE_REQUEST_ID.test(seen)) expect(ids[0]).toBe(seen);
        for (const [name] of response.headers) expect(['x-injected', 'set-cookie']).not.toContain(name);
      }),
      runs<[Target, Buffer]>(80),
    );
  });
});

/** Authorization values: nothing like a key, a scheme with junk, a bearer token of junk, oversized. */
const garbageAuthorization: fc.Arbitrary<Buffer> = fc.oneof(
  nastyString.filter((s) => s.length < 4000).map((s) => Buffer.from(s, 'utf8')),
  fc
    .constantFrom(
      'Bearer',
      'Bearer ',
      'bearer\t',
      'Basic dXNlcjpwYXNz',
      'Token abc',
      'Bearer a b',
      'Bearer\u00a0x',
    )
    .map((s) => Buffer.from(s, 'latin1')),
  fc
    .tuple(
      fc.constantFrom('Bearer ', 'bearer ', 'BEARER\t'),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 200 }),
    )
    .map(([scheme, token]) => Buffer.from(`${scheme}${token}`, 'utf8')),
  fc
    .constantFrom('Bearer sk-relay-', 'Bearer sk-relay-00000000000000000000000000000000')
    .map((s) => Buffer.from(s)),
  fc.integer({ min: 1_000, max: 10_000 }).map((n) => Buffer.from(`Bearer ${'z'.repeat(n)}`)),
);

/** Junk of printable and high bytes (valid in a header), about 10 KB. */
const junkKey = fc
  .uint8Array({ minLength: 9_000, maxLength: 10_500 })
  .map((bytes) => Buffer.from(bytes.map((b) => (b < 0x21 || b === 0x7f ? 0x41 + (b % 26) : b))));

function expectCode(response: RawResponse, allowed: readonly string[], where: string): void {
  const text = response.body;
  let code: string | undefined;
  try {
    code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
  } catch {
    code = undefined;
  }
  expect(allowed, `${where}: ${response.status} ${text.slice(0, 200)}`).toContain(code);
  const statuses: Record<string, number> = { ...PUBLIC_ERROR_STATUS, ...ADMIN_ERROR_STATUS };
  expect(response.status).toBe(statuses[code ?? '']);
  expect(headerValues(response, 'x-request-id')[0] ?? '').toMatch(SANE_REQUEST_ID);
}

describe('garbage credentials', () => {
  it('Authorization garbage is a 401 with the right code on the tenant and admin APIs', async () => {
    await fc.assert(
      fc.asyncProperty(garbageAuthorization, fc.boolean(), async (value, admin) => {
        const response = await rawRequest(port, {
          method: admin ? 'GET' : 'POST',
          path: admin ? '/admin/v1/capabilities' : '/v1/chat/completions',
          headers: [Buffer.concat([Buffer.from('Authorization: '), value]), 'Content-Type: application/json'],
          body: admin ? undefined : CHAT,
        });
        const raw = value.toString('latin1');
        if (isParserRefusal(response)) {
          expect(invalidInHeader(raw), `Node refused a well-formed request: ${JSON.stringify(raw)}`).toBe(
            true,
          );
          return;
        }
        const seen = asReceived(value);
        const bearerToken = /^bearer[ \t]+\S+$/i.test(seen);
        const noScheme = !/^bearer/i.test(seen);
        if (admin) {
          expectCode(
            response,
            noScheme ? ['ADMIN_AUTH_REQUIRED'] : ['ADMIN_AUTH_REQUIRED', 'INVALID_ADMIN_TOKEN'],
            'admin',
          );
        } else if (bearerToken) {
          expectCode(response, ['INVALID_API_KEY'], 'tenant');
        } else {
          // No usable `Bearer <key>`: as if no key was sent, unless the header still reads as one.
          expectCode(
            response,
            noScheme ? ['API_KEY_REQUIRED'] : ['API_KEY_REQUIRED', 'INVALID_API_KEY'],
            'tenant',
          );
        }
      }),
      runs<[Buffer, boolean]>(80),
    );
  });

  it('an x-api-key of ~10 KB of junk is a 401 INVALID_API_KEY', async () => {
    await fc.assert(
      fc.asyncProperty(
        junkKey,
        fc.constantFrom('/v1/chat/completions', '/v1/messages'),
        async (junk, path) => {
          const response = await rawRequest(port, {
            method: 'POST',
            path,
            headers: [Buffer.concat([Buffer.from('x-api-key: '), junk]), 'Content-Type: application/json'],
            body: CHAT,
          });
          expectCode(response, ['INVALID_API_KEY'], path);
          expect(response.body).not.toContain(junk.toString('latin1').slice(0, 64));
        },
      ),
      runs<[Buffer, string]>(20),
    );
  });

  it('headers beyond the HTTP limit are refused by Node (431) and the gateway serves on', async () => {
    const response = await rawRequest(port, {
      method: 'POST',
      path: '/v1/chat/completions',
      headers: [`x-api-key: ${'k'.repeat(20_000)}`, 'Content-Type: application/json'],
      body: CHAT,
    });
    expect(response.status).toBe(431);
    const next = await rawRequest(port, { method: 'GET', path: '/healthz', headers: [] });
    expect(next.status).toBe(200);
  });
});
