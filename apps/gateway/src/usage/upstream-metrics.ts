import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { chargeOf, type UsageRecord } from './usage-record.ts';

/** Label values: the account's id (`none` when no account was reached) and the model the tenant asked for. */
type Labels = { account: string; model: string };

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

  return {
    accounts,
    observe(record) {
      if (record.accountId !== null) accounts.add(record.accountId);
      const labels: Labels = { account: record.accountId ?? 'none', model: record.modelRequested };
      requests.inc({ ...labels, outcome: outcomeOf(record.statusCode), code: record.errorCode ?? '' });
      latency.observe(labels, record.latencyMs / 1000);
      if (record.ttftMs !== null) ttfb.observe(labels, record.ttftMs / 1000);
      if (record.promptTokens > 0) tokens.inc({ ...labels, kind: 'prompt' }, record.promptTokens);
      if (record.completionTokens > 0) tokens.inc({ ...labels, kind: 'completion' }, record.completionTokens);
      if (record.cachedTokens > 0) tokens.inc({ ...labels, kind: 'cached' }, record.cachedTokens);
      const cacheWrites = record.cacheWriteTokens ?? 0;
      if (cacheWrites > 0) tokens.inc({ ...labels, kind: 'cache_write' }, cacheWrites);
      const charge = chargeOf(record);
      if (charge.costMicros > 0n) cost.inc(labels, Number(charge.costMicros) / 1e6);
      if (charge.chargedMicros > 0n) charged.inc(labels, Number(charge.chargedMicros) / 1e6);
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
