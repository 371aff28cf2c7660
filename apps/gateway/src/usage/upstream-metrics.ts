import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { chargeOf, type UsageRecord } from './usage-record.ts';

/** The outcome class of a finished request, from its final status. */
export function outcomeOf(status: number): 'ok' | 'client_error' | 'rate_limited' | 'server_error' {
  if (status < 400) return 'ok';
  if (status === 429) return 'rate_limited';
  return status >= 500 ? 'server_error' : 'client_error';
}

/**
 * Per upstream account and model, from each finished request's usage record (nothing extra on the
 * request path: the record is built anyway). Cardinality is accounts × models actually served.
 */
export function createUpstreamMetrics(registry: Registry): {
  observe(record: UsageRecord): void;
  /** Accounts this process has relayed to (the ones whose circuit state is worth exporting). */
  readonly accounts: ReadonlySet<string>;
} {
  const accounts = new Set<string>();
  const requests = new Counter({
    name: 'relay_gateway_upstream_requests_total',
    help: 'Relayed requests by upstream account, requested model, outcome class and error code',
    labelNames: ['account', 'model', 'outcome', 'code'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'relay_gateway_upstream_duration_seconds',
    help: 'Whole relayed request duration, by upstream account and model',
    labelNames: ['account', 'model'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80, 160],
    registers: [registry],
  });
  const ttfb = new Histogram({
    name: 'relay_gateway_upstream_ttfb_seconds',
    help: 'Time to the first streamed byte of the answer, by upstream account and model',
    labelNames: ['account', 'model'] as const,
    buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32],
    registers: [registry],
  });
  const tokens = new Counter({
    name: 'relay_gateway_tokens_total',
    help: 'Tokens by upstream account, model and kind (prompt, completion, cached, cache_write)',
    labelNames: ['account', 'model', 'kind'] as const,
    registers: [registry],
  });
  const charged = new Counter({
    name: 'relay_gateway_charged_usd_total',
    help: 'What tenants were charged (list cost × group multiplier), by upstream account and model',
    labelNames: ['account', 'model'] as const,
    registers: [registry],
  });
  const cost = new Counter({
    name: 'relay_gateway_cost_usd_total',
    help: 'List cost of the tokens (price × tokens), by upstream account and model',
    labelNames: ['account', 'model'] as const,
    registers: [registry],
  });

  /** The labelled series of one account and model, looked up once (prom-client hashes labels per call). */
  type Series = {
    latency: { observe(value: number): void };
    ttfb: { observe(value: number): void };
    tokens: Record<'prompt' | 'completion' | 'cached' | 'cache_write', { inc(value: number): void }>;
    cost: { inc(value: number): void };
    charged: { inc(value: number): void };
    requests: Map<string, { inc(): void }>;
  };
  const series = new Map<string, Series>();
  const seriesOf = (account: string, model: string): Series => {
    const id = `${account}\u0000${model}`;
    let found = series.get(id);
    if (found === undefined) {
      found = {
        latency: latency.labels(account, model),
        ttfb: ttfb.labels(account, model),
        tokens: {
          prompt: tokens.labels(account, model, 'prompt'),
          completion: tokens.labels(account, model, 'completion'),
          cached: tokens.labels(account, model, 'cached'),
          cache_write: tokens.labels(account, model, 'cache_write'),
        },
        cost: cost.labels(account, model),
        charged: charged.labels(account, model),
        requests: new Map(),
      };
      series.set(id, found);
    }
    return found;
  };

  return {
    accounts,
    observe(record) {
      if (record.accountId !== null) accounts.add(record.accountId);
      const account = record.accountId ?? 'none';
      const model = record.modelRequested;
      const own = seriesOf(account, model);
      const outcome = outcomeOf(record.statusCode);
      const code = record.errorCode ?? '';
      const requestKey = `${outcome}\u0000${code}`;
      let counted = own.requests.get(requestKey);
      if (counted === undefined) {
        counted = requests.labels(account, model, outcome, code);
        own.requests.set(requestKey, counted);
      }
      counted.inc();
      own.latency.observe(record.latencyMs / 1000);
      if (record.ttftMs !== null) own.ttfb.observe(record.ttftMs / 1000);
      if (record.promptTokens > 0) own.tokens.prompt.inc(record.promptTokens);
      if (record.completionTokens > 0) own.tokens.completion.inc(record.completionTokens);
      if (record.cachedTokens > 0) own.tokens.cached.inc(record.cachedTokens);
      const cacheWrites = record.cacheWriteTokens ?? 0;
      if (cacheWrites > 0) own.tokens.cache_write.inc(cacheWrites);
      const charge = chargeOf(record);
      if (charge.costMicros > 0n) own.cost.inc(Number(charge.costMicros) / 1e6);
      if (charge.chargedMicros > 0n) own.charged.inc(Number(charge.chargedMicros) / 1e6);
    },
  };
}

/** Account health as the relay sees it: circuit state and remaining cooldown, read at scrape time. */
export function registerAccountHealthMetrics(
  registry: Registry,
  accounts: ReadonlySet<string>,
  health: { state(ids: readonly string[]): Promise<Map<string, { status: string; until?: number }>> },
  now: () => number = Date.now,
): void {
  const states = ['closed', 'open', 'half_open', 'cooling_down'] as const;
  let last: Promise<Map<string, { status: string; until?: number }>> | undefined;
  // Both gauges read one batch of states per scrape.
  const read = () => {
    last ??= health.state([...accounts]).finally(() => setTimeout(() => (last = undefined), 1_000).unref());
    return last;
  };
  new Gauge({
    name: 'relay_gateway_account_circuit',
    help: 'Circuit state of each upstream account this replica relayed to (1 for the current state)',
    labelNames: ['account', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const current = await read().catch(() => new Map());
      for (const [account, state] of current) {
        for (const name of states) this.set({ account, state: name }, state.status === name ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: 'relay_gateway_account_cooldown_seconds',
    help: 'Seconds until an open or cooling-down upstream account is tried again (0 when available)',
    labelNames: ['account'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const current = await read().catch(() => new Map());
      for (const [account, state] of current) {
        this.set({ account }, state.until === undefined ? 0 : Math.max(0, (state.until - now()) / 1000));
      }
    },
  });
}
