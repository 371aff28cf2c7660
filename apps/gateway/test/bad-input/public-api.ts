import {
  anthropicErrorEnvelopeSchema,
  anthropicErrorType,
  openAiErrorEnvelopeSchema,
  openAiErrorType,
  PUBLIC_ERROR_STATUS,
  type PublicErrorCode,
} from '@relay/schemas';
import { expect } from 'vitest';
import type { RawAnswer } from '../support/relay-harness.ts';

/** What the gateway accepts as a caller's request id, and must always send back (docs/architecture.md#the-relay). */
export const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The route family decides the envelope: Anthropic's on /v1/messages*, OpenAI's elsewhere. */
export function familyOf(path: string): 'anthropic' | 'openai' {
  return path.startsWith('/v1/messages') ? 'anthropic' : 'openai';
}

/**
 * A documented refusal in the route family's envelope: a status from `allowed`, a code from
 * PUBLIC_ERROR_STATUS that maps to it, the SDK-facing `type` that goes with the code, and a sane
 * x-request-id. Returns the code.
 */
export function expectPublicRefusal(
  answer: RawAnswer,
  path: string,
  allowed: readonly number[],
): PublicErrorCode {
  const shown = `${answer.status} ${answer.text.slice(0, 300)}`;
  expect(allowed, shown).toContain(answer.status);
  expect(answer.headers.get('x-request-id') ?? '', shown).toMatch(SANE_REQUEST_ID);
  let code: string;
  if (familyOf(path) === 'anthropic') {
    const envelope = anthropicErrorEnvelopeSchema.strict().safeParse(answer.json);
    expect(envelope.success, `Anthropic envelope expected: ${shown}`).toBe(true);
    const error = (answer.json as { error: { type: string; code?: string } }).error;
    code = error.code ?? '';
    expect(Object.keys(PUBLIC_ERROR_STATUS), shown).toContain(code);
    expect(error.type).toBe(anthropicErrorType(code as PublicErrorCode));
  } else {
    const envelope = openAiErrorEnvelopeSchema.strict().safeParse(answer.json);
    expect(envelope.success, `OpenAI envelope expected: ${shown}`).toBe(true);
    const error = (answer.json as { error: { type: string; code: string } }).error;
    code = error.code;
    expect(Object.keys(PUBLIC_ERROR_STATUS), shown).toContain(code);
    expect(error.type).toBe(openAiErrorType(code as PublicErrorCode));
  }
  expect(PUBLIC_ERROR_STATUS[code as PublicErrorCode], shown).toBe(answer.status);
  return code as PublicErrorCode;
}

/**
 * A POST with exactly these bytes. `chunked` streams the body without a Content-Length, as a client
 * that does not know its size would.
 */
export async function postRaw(
  baseUrl: string,
  path: string,
  init: { body: string | undefined; headers?: Record<string, string>; chunked?: boolean },
): Promise<RawAnswer> {
  const bytes = init.body === undefined ? undefined : Buffer.from(init.body, 'utf8');
  const body =
    bytes === undefined || !init.chunked
      ? bytes
      : new ReadableStream<Uint8Array>({
          start(controller) {
            for (let at = 0; at < bytes.length; at += 16 * 1024)
              controller.enqueue(bytes.subarray(at, at + 16 * 1024));
            controller.close();
          },
        });
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...init.headers },
    body,
    ...(init.chunked ? { duplex: 'half' } : {}),
  } as RequestInit);
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}
