import { hash } from 'node:crypto';

const SANE_SESSION_ID = /^[\w.:@-]{1,200}$/;

type ChatLikeBody = {
  user?: unknown;
  system?: unknown;
  messages?: unknown;
  input?: unknown;
  metadata?: { user_id?: unknown } | null;
};

/**
 * The session a request belongs to, for sticky routing (keeps provider prompt caches warm):
 * `x-session-id`, else the OpenAI `user` field (Anthropic `metadata.user_id`), else a hash of the
 * conversation's opening (system prompt and first message), which stays the same as a chat grows.
 * Undefined when the request carries nothing to recognise it by.
 */
export function sessionIdentity(header: string | undefined, body: ChatLikeBody): string | undefined {
  if (header !== undefined && SANE_SESSION_ID.test(header)) return `h:${header}`;
  if (typeof body.user === 'string' && body.user !== '') return `u:${body.user.slice(0, 200)}`;
  const metadataUser = body.metadata?.user_id;
  if (typeof metadataUser === 'string' && metadataUser !== '') return `u:${metadataUser.slice(0, 200)}`;
  const opening = conversationOpening(body);
  if (opening === undefined) return undefined;
  return `c:${hash('sha256', opening, 'base64url').slice(0, 22)}`;
}

function conversationOpening(body: ChatLikeBody): string | undefined {
  const messages = Array.isArray(body.messages)
    ? body.messages
    : Array.isArray(body.input)
      ? body.input
      : undefined;
  if (messages === undefined || messages.length === 0) return undefined;
  // System prompt plus the first message: enough to tell conversations apart, stable as they grow.
  const parts: unknown[] = [body.system ?? null, messages[0]];
  const first = messages[0] as { role?: unknown } | undefined;
  if (first?.role === 'system' && messages.length > 1) parts.push(messages[1]);
  return JSON.stringify(parts);
}
