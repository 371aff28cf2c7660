export type SmokeStep = { name: string; ok: boolean; status?: number; detail: string; duration_ms: number };

export type SmokeReport = {
  ok: boolean;
  checked_at: string;
  /** The models whose chat completion was tried. */
  models: string[];
  steps: SmokeStep[];
};

export type SmokeInput = {
  baseUrl: string;
  apiKey: string;
  /** Models that must be listed and answer; when omitted, the first model the key lists is tried. */
  models?: string[] | undefined;
  timeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
};

const SMOKE_PROMPT = 'reply with pong only';

/**
 * sub2api CRM's production smoke, as a function (docs/architecture.md#hosts-and-probes): `/v1/models` without a key must answer
 * 401 `API_KEY_REQUIRED` (traffic reaches the gateway and auth is on); with the key 200 listing the
 * expected models; then per model a chat completion "reply with pong only" must answer `pong`.
 * Never throws: each failure is a failed step with what was seen. The key never appears in the report.
 */
export async function runSmoke(input: SmokeInput): Promise<SmokeReport> {
  const fetchImpl = input.fetch ?? globalThis.fetch;
  const now = input.now ?? Date.now;
  const timeoutMs = input.timeoutMs ?? 30_000;
  const steps: SmokeStep[] = [];

  const call = async (path: string, init: { method?: string; apiKey?: string; body?: unknown }) => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (init.apiKey !== undefined) headers.authorization = `Bearer ${init.apiKey}`;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetchImpl(`${input.baseUrl}${path}`, {
      method: init.method ?? 'GET',
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, text, json };
  };

  const step = async (name: string, fn: () => Promise<Omit<SmokeStep, 'name' | 'duration_ms'>>) => {
    const started = now();
    let outcome: Omit<SmokeStep, 'name' | 'duration_ms'>;
    try {
      outcome = await fn();
    } catch (error) {
      outcome = { ok: false, detail: `request failed: ${describe(error)}` };
    }
    steps.push({ name, ...outcome, duration_ms: Math.max(0, now() - started) });
  };

  await step('models_without_key', async () => {
    const res = await call('/v1/models', {});
    const code = errorCode(res.json);
    const ok = res.status === 401 && code === 'API_KEY_REQUIRED';
    return {
      ok,
      status: res.status,
      detail: ok
        ? '401 API_KEY_REQUIRED as expected'
        : `expected 401 API_KEY_REQUIRED, got ${res.status}${code ? ` ${code}` : ''}: ${truncate(res.text)}`,
    };
  });

  let listed: string[] = [];
  await step('models_with_key', async () => {
    const res = await call('/v1/models', { apiKey: input.apiKey });
    if (res.status !== 200) {
      return {
        ok: false,
        status: res.status,
        detail: `expected 200, got ${res.status}: ${truncate(res.text)}`,
      };
    }
    listed = modelIds(res.json);
    const missing = (input.models ?? []).filter((model) => !listed.includes(model));
    if (missing.length > 0) {
      return {
        ok: false,
        status: 200,
        detail: `missing models: ${missing.join(', ')} (listed: ${listed.join(', ') || 'none'})`,
      };
    }
    if (listed.length === 0) return { ok: false, status: 200, detail: 'the key lists no models' };
    return {
      ok: true,
      status: 200,
      detail: `${listed.length} models listed: ${truncate(listed.join(', '), 200)}`,
    };
  });

  const models = input.models !== undefined && input.models.length > 0 ? input.models : listed.slice(0, 1);
  if (models.length === 0) {
    steps.push({
      name: 'chat',
      ok: false,
      detail: 'no model to try (none given and none listed)',
      duration_ms: 0,
    });
  }
  for (const model of models) {
    await step(`chat:${model}`, async () => {
      const res = await call('/v1/chat/completions', {
        method: 'POST',
        apiKey: input.apiKey,
        body: { model, messages: [{ role: 'user', content: SMOKE_PROMPT }], max_tokens: 16, stream: false },
      });
      if (res.status !== 200) {
        const code = errorCode(res.json);
        return {
          ok: false,
          status: res.status,
          detail: `expected 200, got ${res.status}${code ? ` ${code}` : ''}: ${truncate(res.text)}`,
        };
      }
      const answer = chatAnswer(res.json);
      if (answer === undefined)
        return { ok: false, status: 200, detail: `no message content in: ${truncate(res.text)}` };
      const ok = normalize(answer) === 'pong';
      return {
        ok,
        status: 200,
        detail: ok ? 'answered pong' : `expected "pong", got "${truncate(answer, 100)}"`,
      };
    });
  }

  return { ok: steps.every((s) => s.ok), checked_at: new Date(now()).toISOString(), models, steps };
}

function errorCode(json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const error = (json as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function modelIds(json: unknown): string[] {
  const data = typeof json === 'object' && json !== null ? (json as { data?: unknown }).data : undefined;
  if (!Array.isArray(data)) return [];
  return data
    .map((m) => (typeof m === 'object' && m !== null ? (m as { id?: unknown }).id : undefined))
    .filter((id): id is string => typeof id === 'string');
}

function chatAnswer(json: unknown): string | undefined {
  const choices =
    typeof json === 'object' && json !== null ? (json as { choices?: unknown }).choices : undefined;
  if (!Array.isArray(choices)) return undefined;
  const message = (choices[0] as { message?: { content?: unknown } } | undefined)?.message;
  return typeof message?.content === 'string' ? message.content : undefined;
}

/** `Pong.`, ` pong\n`, `"PONG"` all count: models decorate one-word answers. */
function normalize(answer: string): string {
  return answer
    .trim()
    .toLowerCase()
    .replace(/^["'`*]+|["'`*.!。！]+$/g, '');
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') return 'timed out';
    const cause = (error as Error & { cause?: { code?: unknown } }).cause;
    return cause?.code ? `${error.message} (${String(cause.code)})` : error.message;
  }
  return String(error);
}

function truncate(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
