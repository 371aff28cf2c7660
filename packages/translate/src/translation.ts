import { ChatStreamToMessages } from './chat-stream-to-messages.ts';
import { ChatStreamToResponses } from './chat-stream-to-responses.ts';
import { chatToMessagesRequest } from './chat-to-messages-request.ts';
import { chatToMessagesResponse } from './chat-to-messages-response.ts';
import { chatToResponsesResponse, responsesEchoOf } from './chat-to-responses.ts';
import { errorBodyFor } from './errors.ts';
import type { JsonObject } from './json.ts';
import { MessagesStreamToChat } from './messages-stream-to-chat.ts';
import { messagesToChatRequest } from './messages-to-chat-request.ts';
import { messagesToChatResponse } from './messages-to-chat-response.ts';
import { PipedStream } from './piped-stream.ts';
import { responsesToChatRequest } from './responses-to-chat-request.ts';
import type { StreamTranslator } from './stream-translator.ts';

/** The wire protocols Relay speaks: OpenAI chat completions, OpenAI Responses, Anthropic Messages. */
export type Protocol = 'chat' | 'responses' | 'messages';

export type RequestOptions = { defaultMaxTokens?: number };

/** How to turn one caller protocol into one upstream protocol and the answers back. */
export interface Translation {
  readonly from: Protocol;
  readonly to: Protocol;
  /** The caller's request as the upstream's; throws TranslationError for what cannot be expressed. */
  request(body: JsonObject, options?: RequestOptions): JsonObject;
  /** The upstream's successful JSON answer as the caller's (`request` is the caller's original body). */
  response(body: JsonObject, request: JsonObject): JsonObject;
  /** A translator for the upstream's stream (`request` is the caller's original body). */
  stream(request: JsonObject): StreamTranslator;
  /** The upstream's error body in the caller's envelope; the status is kept. */
  errorBody(status: number, upstreamBody: string): JsonObject;
}

const envelopeOf = (protocol: Protocol) => (protocol === 'messages' ? 'anthropic' : 'openai');

function translation(
  from: Protocol,
  to: Protocol,
  parts: Pick<Translation, 'request' | 'response' | 'stream'>,
): Translation {
  return {
    from,
    to,
    ...parts,
    errorBody: (status, upstreamBody) => errorBodyFor(envelopeOf(from), status, upstreamBody),
  };
}

const includeUsage = (request: JsonObject) => {
  const options = request.stream_options;
  return typeof options === 'object' && options !== null && (options as JsonObject).include_usage === true;
};

const TRANSLATIONS: readonly Translation[] = [
  translation('chat', 'messages', {
    request: (body, options) => chatToMessagesRequest(body, options),
    response: (body) => messagesToChatResponse(body),
    stream: (request) => new MessagesStreamToChat({ includeUsage: includeUsage(request) }),
  }),
  translation('messages', 'chat', {
    request: (body) => messagesToChatRequest(body),
    response: (body) => chatToMessagesResponse(body),
    stream: (request) => new ChatStreamToMessages(typeof request.model === 'string' ? request.model : ''),
  }),
  translation('responses', 'chat', {
    request: (body) => responsesToChatRequest(body),
    response: (body, request) => chatToResponsesResponse(body, request),
    stream: (request) => new ChatStreamToResponses(responsesEchoOf(request)),
  }),
  // Responses on an Anthropic upstream: through chat, both ways.
  translation('responses', 'messages', {
    request: (body, options) => chatToMessagesRequest(responsesToChatRequest(body), options),
    response: (body, request) => chatToResponsesResponse(messagesToChatResponse(body), request),
    stream: (request) =>
      new PipedStream(
        new MessagesStreamToChat({ includeUsage: true }),
        new ChatStreamToResponses(responsesEchoOf(request)),
      ),
  }),
];

/** The translation from the caller's protocol to an upstream's, if Relay has one. */
export function translationFor(from: Protocol, to: Protocol): Translation | undefined {
  return TRANSLATIONS.find((t) => t.from === from && t.to === to);
}
