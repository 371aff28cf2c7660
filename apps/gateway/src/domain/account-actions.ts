import type { Account, AccountTestRequest, AccountTestResult } from '@relay/schemas';
import { request } from 'undici';
import { AdminError } from '../errors.ts';
import type { AccountRow } from '../store/index.ts';
import { ANTHROPIC_VERSION, credentialHeaders } from '../upstream/credential-headers.ts';
import { upstreamTarget } from '../upstream/upstream-target.ts';
import { recordAudit } from './audit.ts';
import type { AdminContext } from './context.ts';
import { notFound } from './crud.ts';
import { presentAccount } from './present.ts';
import { withStoreErrors } from './store-errors.ts';

/** Clears a cooldown set by the relay (429 / circuit breaker) so the account is scheduled again. */
export async function clearAccountCooldown(ctx: AdminContext, id: string): Promise<Account> {
  const cleared = await withStoreErrors(() =>
    ctx.store.transaction(async (tx) => {
      const before = await tx.accounts.getForUpdate(id);
      if (!before) throw notFound('account', id);
      const outcome = await tx.accounts.update(id, { cooldownUntil: null, cooldownReason: null });
      if (outcome.status !== 'updated') throw notFound('account', id);
      const after = presentAccount(outcome.row);
      await recordAudit(tx, ctx, {
        action: 'clear_cooldown',
        resourceType: 'accounts',
        resourceId: id,
        before: presentAccount(before),
        after,
      });
      return after;
    }),
  );
  ctx.emit({ kind: 'account_cooldown_cleared', accountId: id });
  return cleared;
}

export interface AccountTestOptions {
  timeoutMs: number;
}

const PROMPT = 'Reply with the single word: ok';
const MAX_TOKENS = 8;
const MAX_TEXT = 500;

/**
 * One tiny completion through the account, as the relay would send it, reporting latency, status and
 * the answer. A 401/403 means the credential is bad: the account is marked `status=error` with
 * `last_error` (audited), exactly as the relay would on live traffic. The credential never appears in
 * the result, even when an upstream echoes it back.
 */
export async function testAccount(
  ctx: AdminContext,
  id: string,
  input: AccountTestRequest,
  options: AccountTestOptions,
): Promise<AccountTestResult> {
  const account = await withStoreErrors(() => ctx.store.accounts.get(id));
  if (!account) throw notFound('account', id);
  const model = input.model ?? account.models[0] ?? Object.keys(account.modelMapping)[0];
  if (model === undefined) {
    throw new AdminError(
      'VALIDATION_FAILED',
      'invalid request: model: this account serves any model; name one to test',
      [{ path: 'model', message: 'required for an account without a model list' }],
    );
  }
  const upstreamModel = account.modelMapping[model] ?? model;
  const credential = ctx.cipher.decrypt(account.credentialCiphertext, account.id);
  const redact = (text: string) =>
    (credential.length >= 8 ? text.split(credential).join(account.credentialFingerprint) : text).slice(
      0,
      MAX_TEXT,
    );

  const started = performance.now();
  let result: AccountTestResult;
  try {
    const call = upstreamCall(account, credential, upstreamModel);
    const res = await request(call.url, {
      method: 'POST',
      headers: call.headers,
      body: JSON.stringify(call.body),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const text = await res.body.text();
    const latency = Math.round(performance.now() - started);
    const parsed = parseJson(text);
    if (res.statusCode >= 200 && res.statusCode < 300) {
      result = {
        ok: true,
        latency_ms: latency,
        status: res.statusCode,
        model: upstreamModel,
        output: redact(answerOf(parsed)),
      };
    } else {
      result = {
        ok: false,
        latency_ms: latency,
        status: res.statusCode,
        model: upstreamModel,
        error: redact(errorOf(parsed) ?? (text || `HTTP ${res.statusCode}`)),
      };
    }
  } catch (error) {
    const latency = Math.round(performance.now() - started);
    const message =
      error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')
        ? `no answer within ${options.timeoutMs} ms`
        : describeNetworkError(error);
    result = { ok: false, latency_ms: latency, status: 0, model: upstreamModel, error: redact(message) };
  }

  if (result.status === 401 || result.status === 403) {
    await markAccountError(
      ctx,
      account.id,
      `upstream answered ${result.status} to an account test: ${result.error ?? ''}`.trim(),
    );
  }
  return result;
}

async function markAccountError(ctx: AdminContext, id: string, lastError: string): Promise<void> {
  await withStoreErrors(() =>
    ctx.store.transaction(async (tx) => {
      const before = await tx.accounts.getForUpdate(id);
      if (!before) return;
      const outcome = await tx.accounts.update(id, { status: 'error', lastError });
      if (outcome.status !== 'updated') return;
      await recordAudit(tx, ctx, {
        action: 'mark_error',
        resourceType: 'accounts',
        resourceId: id,
        before: presentAccount(before),
        after: presentAccount(outcome.row),
      });
    }),
  );
}

function upstreamCall(account: AccountRow, credential: string, model: string) {
  // The same upstream URLs the relay uses, so a test proves what traffic will do.
  const target = upstreamTarget(account.baseUrl, account.authStyle, credential);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
    ...credentialHeaders(account.authStyle, credential),
  };
  const messages = [{ role: 'user', content: PROMPT }];
  if (account.platform === 'anthropic') {
    headers['anthropic-version'] ??= ANTHROPIC_VERSION;
    return {
      url: `${target.origin}${target.paths.messages}`,
      headers,
      body: { model, max_tokens: MAX_TOKENS, messages },
    };
  }
  return {
    url: `${target.origin}${target.paths.chat}`,
    headers,
    body: { model, max_tokens: MAX_TOKENS, messages, stream: false },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The text of an OpenAI chat completion or an Anthropic message. */
function answerOf(body: unknown): string {
  const b = body as {
    choices?: { message?: { content?: unknown } }[];
    content?: { type?: string; text?: unknown }[];
  } | null;
  const chat = b?.choices?.[0]?.message?.content;
  if (typeof chat === 'string') return chat;
  const text = b?.content?.find((part) => part.type === 'text')?.text;
  return typeof text === 'string' ? text : '';
}

function errorOf(body: unknown): string | undefined {
  const b = body as { error?: { message?: unknown } | string; message?: unknown } | null;
  if (typeof b?.error === 'string') return b.error;
  if (typeof b?.error?.message === 'string') return b.error.message;
  return typeof b?.message === 'string' ? b.message : undefined;
}

function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  const code = (error as { code?: unknown }).code ?? cause?.code;
  return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
}
