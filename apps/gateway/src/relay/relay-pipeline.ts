import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { PublicError } from '../http/errors.ts';
import type { Logger } from '../logger.ts';
import type { AccountHealth, AccountState } from '../runtime/account-health.ts';
import type { ConcurrencySlots, SlotRelease, SlotRequest } from '../runtime/concurrency-slots.ts';
import { isRuntimeUnavailableError } from '../runtime/errors.ts';
import type { RateLimiter, RateLimitRequest } from '../runtime/rate-limiter.ts';
import type { StickySessions } from '../runtime/sticky-sessions.ts';
import type { UsageQueue } from '../usage/usage-queue.ts';
import { chargeOf, type UsageRecord } from '../usage/usage-record.ts';
import { checkTenant } from './check-tenant.ts';
import type { Endpoint } from './endpoints.ts';
import { explainDenial } from './explain-denial.ts';
import { headerValue } from './header-value.ts';
import { orderCandidates } from './order-candidates.ts';
import { type BodyRules, parseJsonObject, readBody } from './read-body.ts';
import { type RelayRequest, readRelayRequest } from './relay-request.ts';
import { keyAllowsModel, restrictedByChannel, routesFor } from './route-model.ts';
import { sessionIdentity } from './session-identity.ts';
import { SseTap } from './sse-tap.ts';
import type { ModelRoute, TenantDirectory, TenantView } from './tenant-directory.ts';
import { sendUpstream, upstreamBody, upstreamHeaders } from './upstream-call.ts';
import { classifyStatus, classifyThrown, type UpstreamFailure } from './upstream-failure.ts';
import type { UpstreamPools } from './upstream-pools.ts';
import { estimateTokens, UsageAccumulator } from './usage.ts';

export type RelayDeps = {
  directory: TenantDirectory;
  pools: UpstreamPools;
  limiter: RateLimiter;
  slots: ConcurrencySlots;
  sticky: StickySessions;
  health: AccountHealth;
  usage: UsageQueue;
  logger: Logger;
  maxAttempts: number;
  upstreamTimeoutMs: number;
  /** Size limit and minimum pace of request bodies. */
  body: BodyRules;
  /** An upstream rejected an account's credential: persist status=error (and invalidate caches). */
  onAccountRejected: (accountId: string, message: string) => void;
  now?: () => number;
};

/** How a relayed request ended, for the access log and metrics. */
export type RelayOutcome = { status: number; accountId?: string; attempts: number };

const MINUTE_MS = 60_000;
/** Sticky sessions live for an hour after their last use (gateway.md §4). */
const STICKY_TTL_MS = 60 * MINUTE_MS;
/** Longest a request may hold a slot without renewing: covers long streams; a crashed holder frees it then. */
const SLOT_LEASE_MS = 10 * MINUTE_MS;
/** Largest non-stream upstream answer the gateway holds (it is read whole to meter it and to fail over on a cut). */
const MAX_BUFFERED_RESPONSE_BYTES = 64 * 1024 * 1024;

/** What admission found out, handed to account selection. */
type Admission = {
  tenantSlots: SlotRequest[];
  states: Map<string, AccountState>;
  sticky: string | null;
  stickyKey: string | undefined;
};

type Attempted = {
  route: ModelRoute;
  response: Dispatcher.ResponseData;
  startedAt: number;
};

/**
 * The hot path (gateway.md §4): auth from the in-process cache → key/IP/money checks → limits →
 * model routes → account selection with failover → the answer written straight to the socket
 * (streams piped chunk by chunk) → one usage event → slots released.
 * Errors before anything was written are thrown as PublicError for the app's error handler.
 */
export class RelayPipeline {
  private readonly inFlight = new Map<string, number>();
  private readonly lastUsed = new Map<string, number>();

  constructor(private readonly deps: RelayDeps) {}

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  async handle(
    endpoint: Endpoint,
    secret: string,
    incoming: IncomingMessage,
    outgoing: ServerResponse,
    requestId: string,
  ): Promise<RelayOutcome> {
    const started = performance.now();
    // The key is checked before the body is read or parsed: an unauthenticated caller costs no
    // parsing and learns nothing about request validation.
    const view = await this.deps.directory.lookup(secret);
    if (view === null) throw new PublicError('INVALID_API_KEY', 'Incorrect API key provided.');
    const now = this.now();
    checkTenant(view, now, incoming.socket.remoteAddress, { spending: true, spentMicros: view.spend.micros });
    const { group } = view.group;
    if (group.platform !== endpoint.platform) {
      throw new PublicError(
        'INVALID_REQUEST',
        `this API key's group serves the ${group.platform} API; ${endpoint.path} is for ${endpoint.platform} groups`,
      );
    }
    const raw = await readBody(incoming, this.deps.body);
    const request = readRelayRequest(endpoint, parseJsonObject(raw), raw.length);
    const routes = this.allowedRoutes(view, request.model);
    if (routes.length === 0) throw explainDenial(view, request.model, now);

    const admission = await this.admit(view, request, routes, incoming, requestId);
    const { tenantSlots } = admission;
    const held: SlotRelease[] = tenantSlots.map(({ key, holder }) => ({ key, holder }));
    try {
      return await this.relay(
        endpoint,
        request,
        raw,
        view,
        routes,
        incoming,
        outgoing,
        requestId,
        started,
        held,
        admission,
      );
    } finally {
      if (held.length > 0) {
        this.deps.slots.releaseMany(held).catch((error: unknown) => {
          this.deps.logger.warn(
            { err: error, request_id: requestId },
            'slot release failed; the lease will expire',
          );
        });
      }
    }
  }

  /**
   * Everything the shared runtime state must say before an upstream is chosen — rate limits, the
   * key's and user's concurrency slots, the candidates' health and the sticky account — asked at once:
   * with Redis the calls leave in one write and cost one round trip of latency. A refusal (or a
   * Redis failure) gives back what the other calls took.
   */
  private async admit(
    view: TenantView,
    request: RelayRequest,
    routes: readonly ModelRoute[],
    incoming: IncomingMessage,
    requestId: string,
  ): Promise<Admission> {
    const limits = this.limitRequests(view, request);
    const tenantSlots = this.tenantSlots(view, requestId);
    const session =
      routes.length > 1
        ? sessionIdentity(headerValue(incoming.headers['x-session-id']), request.body)
        : undefined;
    const stickyKey = session === undefined ? undefined : `{${view.group.group.id}}:sticky:${session}`;
    const [limited, slotted, states, sticky] = await Promise.allSettled([
      limits.length > 0 ? this.deps.limiter.consumeMany(limits) : undefined,
      tenantSlots.length > 0 ? this.deps.slots.acquireMany(tenantSlots) : undefined,
      this.deps.health.state(routes.map((route) => route.account.row.id)),
      stickyKey === undefined ? null : this.deps.sticky.get(stickyKey, STICKY_TTL_MS),
    ]);
    const slotsTaken = slotted.status === 'fulfilled' && slotted.value?.acquired === true;
    const giveBackSlots = () => {
      if (!slotsTaken) return;
      this.deps.slots.releaseMany(tenantSlots).catch(() => undefined);
    };
    for (const outcome of [limited, slotted, states]) {
      if (outcome.status === 'rejected') {
        giveBackSlots();
        throw limiterFailure(outcome.reason);
      }
    }
    if (limited.status === 'fulfilled' && limited.value !== undefined && !limited.value.allowed) {
      giveBackSlots();
      throw new PublicError('RATE_LIMITED', 'Rate limit reached for this API key; retry later.', {
        retryAfterSeconds: limited.value.retryAfterMs / 1000,
      });
    }
    if (slotted.status === 'fulfilled' && slotted.value !== undefined && !slotted.value.acquired) {
      throw new PublicError(
        'CONCURRENCY_LIMITED',
        'Too many concurrent requests for this API key; retry shortly.',
        {
          retryAfterSeconds: 1,
        },
      );
    }
    return {
      tenantSlots,
      states: states.status === 'fulfilled' ? states.value : new Map(),
      // A sticky map that cannot answer only costs the cache affinity, never the request.
      sticky: sticky.status === 'fulfilled' ? sticky.value : null,
      stickyKey,
    };
  }

  private allowedRoutes(view: TenantView, model: string): readonly ModelRoute[] {
    if (!keyAllowsModel(view.key, model)) return [];
    if (view.group.group.status !== 'active' || restrictedByChannel(view.group, model)) return [];
    return routesFor(view.group, model);
  }

  private limitRequests(view: TenantView, request: RelayRequest): RateLimitRequest[] {
    const { key, user } = view;
    const { group } = view.group;
    const estimatedTokens = estimateTokens(request.promptCharacters);
    const all: RateLimitRequest[] = [
      { key: `{${key.id}}:rpm:key`, limit: key.rpmLimit, windowMs: MINUTE_MS },
      { key: `{${user.id}}:rpm:user`, limit: user.rpmLimit, windowMs: MINUTE_MS },
      { key: `{${group.id}}:rpm:group`, limit: group.rpmLimit, windowMs: MINUTE_MS },
      { key: `{${key.id}}:tpm:key`, limit: key.tpmLimit, windowMs: MINUTE_MS, cost: estimatedTokens },
      { key: `{${group.id}}:tpm:group`, limit: group.tpmLimit, windowMs: MINUTE_MS, cost: estimatedTokens },
    ];
    return all.filter((limit) => limit.limit > 0);
  }

  private tenantSlots(view: TenantView, requestId: string): SlotRequest[] {
    const all: SlotRequest[] = [
      {
        key: `{${view.key.id}}:conc:key`,
        limit: view.key.concurrencyLimit,
        holder: requestId,
        ttlMs: SLOT_LEASE_MS,
      },
      {
        key: `{${view.user.id}}:conc:user`,
        limit: view.user.concurrencyLimit,
        holder: requestId,
        ttlMs: SLOT_LEASE_MS,
      },
    ];
    return all.filter((slot) => slot.limit > 0);
  }

  private async relay(
    endpoint: Endpoint,
    request: RelayRequest,
    raw: Buffer,
    view: TenantView,
    routes: readonly ModelRoute[],
    incoming: IncomingMessage,
    outgoing: ServerResponse,
    requestId: string,
    started: number,
    held: SlotRelease[],
    admission: Admission,
  ): Promise<RelayOutcome> {
    const now = this.now();
    const { states, sticky, stickyKey } = admission;
    const usable = routes.filter((route) => {
      const until = route.account.row.cooldownUntil?.getTime();
      if (until !== undefined && until > now) return false;
      const status = states.get(route.account.row.id)?.status ?? 'closed';
      return status === 'closed' || status === 'half_open';
    });
    if (usable.length === 0) throw explainDenial(view, request.model, now, cooldownsOf(states));

    const byId = new Map(usable.map((route) => [route.account.row.id, route]));
    const ordered = orderCandidates(
      usable.map((route) => ({
        accountId: route.account.row.id,
        priority: route.account.priority,
        weight: route.account.row.weight,
        concurrency: route.account.row.concurrency,
        inFlight: this.inFlight.get(route.account.row.id) ?? 0,
        lastUsedAt: this.lastUsed.get(route.account.row.id) ?? 0,
      })),
      sticky ?? undefined,
    );

    // A client that goes away while we wait for the upstream aborts the attempt.
    const abort = new AbortController();
    const onClientGone = () => {
      if (!outgoing.writableFinished) abort.abort();
    };
    outgoing.once('close', onClientGone);

    let attempts = 0;
    let lastFailure: UpstreamFailure | undefined;
    let lastRoute: ModelRoute | undefined;
    try {
      for (const candidate of ordered) {
        if (attempts >= this.deps.maxAttempts || abort.signal.aborted) break;
        const route = byId.get(candidate.accountId);
        if (route === undefined) continue;
        const accountId = route.account.row.id;
        if (
          states.get(accountId)?.status === 'half_open' &&
          !(await this.deps.health.tryAcquireTrial(accountId))
        )
          continue;
        const slot: SlotRequest = {
          key: `{${accountId}}:conc:account`,
          limit: route.account.row.concurrency,
          holder: requestId,
          ttlMs: SLOT_LEASE_MS,
        };
        if (slot.limit > 0) {
          const taken = await guard(() => this.deps.slots.acquire(slot));
          if (!taken.acquired) continue;
          held.push({ key: slot.key, holder: requestId });
        }
        attempts += 1;
        lastRoute = route;
        this.inFlight.set(accountId, (this.inFlight.get(accountId) ?? 0) + 1);
        this.lastUsed.set(accountId, this.now());
        try {
          const body = upstreamBody(endpoint, request, raw, route.upstreamModel);
          const attemptStarted = performance.now();
          let response: Dispatcher.ResponseData;
          try {
            response = await sendUpstream({
              pools: this.deps.pools,
              account: route.account,
              endpoint,
              body,
              headers: upstreamHeaders(route.account, incoming.headers, requestId, body.length),
              timeoutMs: this.deps.upstreamTimeoutMs,
              signal: abort.signal,
            });
          } catch (error) {
            if (abort.signal.aborted) break;
            lastFailure = classifyThrown(error);
            await this.recordFailure(route, lastFailure);
            continue;
          }
          const failure = classifyStatus(response.statusCode, response.headers['retry-after']);
          if (failure !== undefined && failure.kind !== 'request_error') {
            response.body.dump().catch(() => undefined);
            lastFailure = failure;
            await this.recordFailure(route, failure);
            continue;
          }
          const attempted: Attempted = { route, response, startedAt: attemptStarted };
          const delivered = await this.deliver(
            endpoint,
            request,
            view,
            attempted,
            outgoing,
            requestId,
            started,
            attempts,
            abort,
          );
          if (delivered === 'retry') {
            lastFailure = {
              kind: 'connect_error',
              message: 'upstream connection lost before the answer was complete',
            };
            await this.recordFailure(route, lastFailure);
            continue;
          }
          if (failure === undefined) {
            const state = states.get(accountId);
            if (state?.status !== 'closed' || state.failures !== undefined) {
              this.deps.health.recordSuccess(accountId).catch(() => undefined);
            }
            if (stickyKey !== undefined && sticky !== accountId) {
              this.deps.sticky.set(stickyKey, accountId).catch(() => undefined);
            }
          }
          return { status: delivered, accountId, attempts };
        } finally {
          this.inFlight.set(accountId, (this.inFlight.get(accountId) ?? 1) - 1);
        }
      }
    } finally {
      outgoing.off('close', onClientGone);
    }

    if (abort.signal.aborted) {
      this.record(view, endpoint, request, lastRoute, {
        requestId,
        status: 499,
        errorCode: 'CLIENT_CLOSED',
        attempts,
        started,
      });
      return { status: 499, attempts };
    }
    if (attempts === 0) {
      // Every usable account is at its concurrency limit right now.
      throw new PublicError(
        'CONCURRENCY_LIMITED',
        'All upstream accounts for this model are busy; retry shortly.',
        {
          retryAfterSeconds: 1,
        },
      );
    }
    const timedOut = lastFailure?.kind === 'timeout';
    const error = new PublicError(
      timedOut ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_ERROR',
      `upstream failed after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${lastFailure?.message ?? 'unknown error'}`,
    );
    this.record(view, endpoint, request, lastRoute, {
      requestId,
      status: error.status,
      errorCode: error.code,
      attempts,
      started,
    });
    throw error;
  }

  private async recordFailure(route: ModelRoute, failure: UpstreamFailure): Promise<void> {
    const accountId = route.account.row.id;
    this.deps.logger.warn(
      { account_id: accountId, kind: failure.kind, status: failure.status },
      failure.message,
    );
    if (failure.kind === 'auth_error') {
      this.deps.onAccountRejected(accountId, failure.message);
      return;
    }
    if (failure.kind === 'request_error' || failure.kind === 'stream_error') return;
    await this.deps.health
      .recordFailure(accountId, { kind: failure.kind, retryAfterMs: failure.retryAfterMs })
      .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'could not record account failure'));
  }

  /**
   * Writes the upstream's answer to the client. Non-stream answers are read whole first (so a cut
   * before the end can still fail over); streams are piped chunk by chunk. Returns the status sent,
   * or 'retry' when nothing was sent and the next account should be tried.
   */
  private async deliver(
    endpoint: Endpoint,
    request: RelayRequest,
    view: TenantView,
    attempted: Attempted,
    outgoing: ServerResponse,
    requestId: string,
    started: number,
    attempts: number,
    abort: AbortController,
  ): Promise<number | 'retry'> {
    const { response, route } = attempted;
    const status = response.statusCode;
    const contentType = headerValue(response.headers['content-type']) ?? 'application/json';
    const streaming = request.stream && status < 300 && contentType.includes('text/event-stream');

    if (!streaming) {
      let body: Buffer;
      try {
        body = await readAll(response.body, MAX_BUFFERED_RESPONSE_BYTES);
      } catch {
        if (!abort.signal.aborted) return 'retry';
        // The client left while the answer was being read: still exactly one usage event.
        this.record(view, endpoint, request, route, {
          requestId,
          status: 499,
          errorCode: 'CLIENT_CLOSED',
          attempts,
          started,
        });
        return 499;
      }
      const usage = new UsageAccumulator();
      if (status < 300) usage.add(usageOf(body));
      outgoing.writeHead(status, {
        'content-type': contentType,
        'content-length': String(body.length),
        'x-request-id': requestId,
      });
      outgoing.end(body);
      const tokens = usage.finish({ promptCharacters: request.promptCharacters, completionCharacters: 0 });
      this.record(view, endpoint, request, route, {
        requestId,
        status,
        errorCode: status >= 400 ? 'UPSTREAM_REQUEST_ERROR' : null,
        attempts,
        started,
        ttftMs: Math.round(performance.now() - started),
        tokens: status < 300 ? tokens : undefined,
      });
      return status;
    }

    outgoing.writeHead(status, {
      'content-type': contentType,
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
      'x-request-id': requestId,
    });
    const tap = new SseTap({ stripUsageChunk: endpoint.kind === 'chat' && !request.clientWantsUsage });
    let ttftMs: number | null = null;
    let cut = false;
    try {
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        const out = tap.push(chunk);
        if (ttftMs === null) ttftMs = Math.round(performance.now() - started);
        if (out !== undefined && !outgoing.write(out)) {
          await new Promise<void>((resolve) => {
            const done = () => {
              outgoing.off('drain', done);
              outgoing.off('close', done);
              resolve();
            };
            outgoing.on('drain', done);
            outgoing.on('close', done);
          });
        }
        if (outgoing.destroyed) break;
      }
    } catch {
      cut = !abort.signal.aborted;
    }
    const clientGone = outgoing.destroyed && !outgoing.writableFinished;
    if (clientGone) {
      response.body.destroy();
    } else if (cut) {
      // The held-back half event (if any) is dropped: the error must arrive as an event of its own.
      outgoing.end(streamErrorEvent(endpoint, 'upstream stream was interrupted'));
    } else {
      const rest = tap.end();
      if (rest !== undefined) outgoing.write(rest);
      outgoing.end();
    }
    const tokens = tap.usage.finish({
      promptCharacters: request.promptCharacters,
      completionCharacters: tap.completionCharacters,
    });
    const finalStatus = clientGone ? 499 : cut ? 502 : status;
    this.record(view, endpoint, request, route, {
      requestId,
      status: finalStatus,
      errorCode: clientGone ? 'CLIENT_CLOSED' : cut ? 'UPSTREAM_STREAM_CUT' : null,
      attempts,
      started,
      ttftMs,
      tokens,
    });
    if (cut) {
      this.deps.health.recordFailure(route.account.row.id, { kind: 'server_error' }).catch(() => undefined);
    }
    return finalStatus;
  }

  private record(
    view: TenantView,
    endpoint: Endpoint,
    request: RelayRequest,
    route: ModelRoute | undefined,
    outcome: {
      requestId: string;
      status: number;
      errorCode: string | null;
      attempts: number;
      started: number;
      ttftMs?: number | null;
      tokens?: ReturnType<UsageAccumulator['finish']> | undefined;
    },
  ): void {
    if (!endpoint.billable) return;
    const { group, channel, prices } = view.group;
    const upstreamModel = route?.upstreamModel ?? null;
    const billingModel =
      channel?.billingModel === 'upstream' && upstreamModel !== null ? upstreamModel : request.model;
    const price = prices.get(billingModel);
    const tokens = outcome.tokens;
    const record: UsageRecord = {
      requestId: outcome.requestId,
      apiKeyId: view.key.id,
      userId: view.user.id,
      groupId: group.id,
      accountId: route?.account.row.id ?? null,
      channelId: channel?.id ?? null,
      endpoint: endpoint.path,
      modelRequested: request.model,
      modelUpstream: upstreamModel,
      stream: request.stream,
      statusCode: outcome.status,
      errorCode: outcome.errorCode,
      promptTokens: tokens?.promptTokens ?? 0,
      completionTokens: tokens?.completionTokens ?? 0,
      cachedTokens: tokens?.cachedTokens ?? 0,
      cacheWriteTokens: tokens?.cacheWriteTokens ?? 0,
      usageEstimated: tokens?.estimated ?? false,
      latencyMs: Math.round(performance.now() - outcome.started),
      ttftMs: outcome.ttftMs ?? null,
      attempts: outcome.attempts,
      createdAt: new Date(this.now()),
      price: price ?? null,
      rateMultiplierMicros: group.rateMultiplierMicros,
      billingMode: group.billingMode,
      subscriptionId: view.subscription?.id ?? null,
    };
    view.spend.micros += chargeOf(record).chargedMicros;
    this.deps.usage.enqueue(record);
  }
}

/** Limits and slots fail closed when their store is unreachable (quality.md: a clear 503, never a crash). */
function limiterFailure(error: unknown): unknown {
  if (isRuntimeUnavailableError(error)) {
    return new PublicError(
      'LIMITER_UNAVAILABLE',
      'Rate limiting is temporarily unavailable; retry shortly.',
      {
        retryAfterSeconds: 1,
      },
    );
  }
  return error;
}

async function guard<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw limiterFailure(error);
  }
}

function cooldownsOf(states: ReadonlyMap<string, AccountState>): Map<string, number> {
  const cooldowns = new Map<string, number>();
  for (const [id, state] of states) if (state.until !== undefined) cooldowns.set(id, state.until);
  return cooldowns;
}

async function readAll(body: AsyncIterable<Buffer>, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) throw new Error('upstream answer too large');
    chunks.push(chunk);
  }
  return chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks, size);
}

function usageOf(body: Buffer): Parameters<UsageAccumulator['add']>[0] {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { usage?: unknown; response?: { usage?: unknown } };
    return (parsed.usage ?? parsed.response?.usage ?? null) as Parameters<UsageAccumulator['add']>[0];
  } catch {
    return null;
  }
}

/** A last event telling a streaming client the answer was cut, in its API's own error shape. */
function streamErrorEvent(endpoint: Endpoint, message: string): string {
  if (endpoint.platform === 'anthropic') {
    return `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'api_error', message } })}\n\n`;
  }
  return `data: ${JSON.stringify({ error: { message, type: 'api_error', code: 'UPSTREAM_ERROR', param: null } })}\n\n`;
}
