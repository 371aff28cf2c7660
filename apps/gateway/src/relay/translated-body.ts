import { DEFAULT_MAX_TOKENS, type Translation, TranslationError } from '@relay/translate';
import { PublicError } from '../errors.ts';
import type { RelayCall } from './relay-call.ts';

/**
 * The client's request in the upstream's protocol, with the upstream model id. Translated once per
 * call and translation (a failover to a second account of the same kind reuses it). A request the
 * target protocol cannot express is the client's error: 400 `INVALID_REQUEST` naming the field.
 */
export function translatedBody(call: RelayCall, translation: Translation, upstreamModel: string): Buffer {
  let body = call.translatedBodies.get(translation);
  if (body === undefined) {
    try {
      body = translation.request(call.request.body, { defaultMaxTokens: DEFAULT_MAX_TOKENS });
    } catch (error) {
      if (error instanceof TranslationError) {
        throw new PublicError(
          'INVALID_REQUEST',
          error.message,
          error.param === null ? {} : { param: error.param },
        );
      }
      throw error;
    }
    call.translatedBodies.set(translation, body);
  }
  return Buffer.from(JSON.stringify({ ...body, model: upstreamModel }), 'utf8');
}

/**
 * A non-stream upstream answer in the client's protocol: a success translated, an error re-enveloped
 * (status kept), an unreadable success reported as a 502 in the client's envelope.
 */
export function translatedAnswer(
  translation: Translation,
  status: number,
  body: Buffer,
  request: Record<string, unknown>,
): { status: number; body: Buffer } {
  const text = body.toString('utf8');
  if (status >= 300) return { status, body: json(translation.errorBody(status, text)) };
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      return { status, body: json(translation.response(parsed as Record<string, unknown>, request)) };
    }
  } catch {
    // falls through to the 502 below
  }
  return { status: 502, body: json(translation.errorBody(502, 'upstream answer was not a JSON object')) };
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');
