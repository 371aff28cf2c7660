import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseJsonObject } from '../../src/relay/read-body.ts';
import { readRelayRequest } from '../../src/relay/relay-request.ts';
import { upstreamBody, withLeadingMember } from '../../src/relay/upstream-body.ts';
import { ENDPOINTS } from '../../src/upstream/endpoints.ts';

/** What the upstream receives for a client body, parsed back. */
function sent(rawText: string, upstreamModel?: string, endpoint = ENDPOINTS.chat): unknown {
  const raw = Buffer.from(rawText, 'utf8');
  const request = readRelayRequest(endpoint, parseJsonObject(raw), raw.length);
  const body = upstreamBody(endpoint, request, raw, upstreamModel ?? request.model);
  return JSON.parse(body.toString('utf8'));
}

const messages = [{ role: 'user', content: 'hi' }];

describe('the body sent upstream', () => {
  it('passes the client bytes through when nothing changes', () => {
    const rawText = ' {"model":"m","messages":[{"role":"user","content":"hi"}],  "x": 1 }';
    const raw = Buffer.from(rawText);
    const request = readRelayRequest(ENDPOINTS.chat, parseJsonObject(raw), raw.length);
    expect(upstreamBody(ENDPOINTS.chat, request, raw, 'm')).toBe(raw);
  });

  it('asks for the usage chunk of a chat stream whose client sent no stream_options', () => {
    const body = { model: 'm', stream: true, messages, temperature: 0.2 };
    expect(sent(JSON.stringify(body))).toEqual({ ...body, stream_options: { include_usage: true } });
    expect(sent(`\r\n\t ${JSON.stringify(body, null, 2)}\n`)).toEqual({
      ...body,
      stream_options: { include_usage: true },
    });
  });

  it('keeps the client stream_options and only turns include_usage on', () => {
    const body = { model: 'm', stream: true, messages, stream_options: { include_usage: false, other: 1 } };
    expect(sent(JSON.stringify(body))).toEqual({
      ...body,
      stream_options: { include_usage: true, other: 1 },
    });
    const nullOptions = { model: 'm', stream: true, messages, stream_options: null };
    expect(sent(JSON.stringify(nullOptions))).toEqual({
      ...nullOptions,
      stream_options: { include_usage: true },
    });
  });

  it('rewrites the model and asks for usage together', () => {
    const body = { model: 'alias', stream: true, messages };
    expect(sent(JSON.stringify(body), 'real-model')).toEqual({
      ...body,
      model: 'real-model',
      stream_options: { include_usage: true },
    });
  });

  it('adds a member to an empty object without a trailing comma', () => {
    expect(JSON.parse(String(withLeadingMember(Buffer.from(' { \n}'), '"a":1')))).toEqual({ a: 1 });
    expect(withLeadingMember(Buffer.from('[1]'), '"a":1')).toBeUndefined();
  });

  it('adds the usage request to any chat stream body as re-serialising it would', () => {
    const extra = fc.dictionary(
      fc
        .string()
        .filter((key) => !['model', 'stream', 'messages', 'stream_options', '__proto__'].includes(key)),
      fc.jsonValue(),
      { maxKeys: 6 },
    );
    fc.assert(
      fc.property(extra, fc.constantFrom('', ' ', '\n  '), (rest, space) => {
        const body = { model: 'm', ...rest, stream: true, messages };
        const text = `${space}${JSON.stringify(body, null, space === '' ? undefined : 1)}`;
        // As JSON says it (-0 is written as 0).
        const expected = JSON.parse(JSON.stringify({ ...body, stream_options: { include_usage: true } }));
        expect(sent(text)).toEqual(expected);
      }),
    );
  });
});
