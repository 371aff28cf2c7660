import type { Clock } from '../clock.ts';
import type { SecretBox } from '../crypto/secret-box.ts';
import { fingerprint } from '../crypto/secret-box.ts';
import type { HostRow } from '../db/schema.ts';
import { ManagerError } from '../errors.ts';
import { newId } from '../ids.ts';
import type { Logger } from '../logger.ts';
import type { ManagerMetrics } from '../metrics.ts';
import { measured } from '../metrics.ts';
import { page } from '../store/page.ts';
import type { Store } from '../store/store.ts';
import { normalizeBaseUrl } from './base-url.ts';
import type { HostClientFactory } from './host-client.ts';
import type { HostLeases } from './host-lease.ts';
import type { HostView } from './host-view.ts';
import { hostView, statusFromProbe } from './host-view.ts';
import type { ProbeReport } from './probe.ts';
import { probeHost } from './probe.ts';
import type { SmokeReport } from './smoke.ts';
import { runSmoke } from './smoke.ts';

export type RegisterHostInput = {
  name: string;
  base_url: string;
  admin_token: string;
  labels?: Record<string, string> | undefined;
};
export type UpdateHostInput = {
  name?: string | undefined;
  base_url?: string | undefined;
  admin_token?: string | undefined;
  labels?: Record<string, string> | undefined;
};
export type SmokeInput = { api_key?: string | undefined; models?: string[] | undefined };
export type ProbeTrigger = 'register' | 'manual' | 'scheduled' | 'update';

export type HostStatusView = {
  host_id: string;
  status: HostView['status'];
  last_probe: unknown;
  last_smoke: unknown;
  managed_resources: { total: number; by_provider: Record<string, Record<string, number>> };
  /** The live access closure of every provider with recorded resources on the host (manager.md §6). */
  closure: HostClosureSummary;
  lease: { operation: string; expires_at: string } | null;
};

export type HostClosureSummary = {
  ok: boolean;
  checked_at: string;
  providers: {
    provider_id: string;
    ok: boolean;
    /** Groups with a missing link (see GET /api/access for the details). */
    groups_with_gaps: number;
    error?: string;
  }[];
};

/** What the host status needs of the access service: one provider's closure report. */
export type ClosureSource = {
  reportOrError(
    hostId: string,
    providerId: string,
  ): Promise<{ ok: boolean; groups: { ok: boolean }[] } | { error: string }>;
};

export type HostServiceDeps = {
  store: Store;
  secrets: SecretBox;
  clients: HostClientFactory;
  leases: HostLeases;
  metrics: ManagerMetrics;
  clock: Clock;
  logger: Logger;
  /** Per-request timeout of smoke calls (a chat completion through a real upstream can be slow). */
  smokeTimeoutMs?: number;
  /** Creates (and records) a smoke key when the host has none; without it such a smoke answers 422. */
  smokeKeys?: { create(hostId: string, models: string[] | undefined, requestId: string): Promise<string> };
  /** Fills `closure` in the host status; without it the closure lists no provider. */
  access?: ClosureSource;
};

/** Registered gateway hosts (manager.md §4): register, probe, smoke, update, delete. */
export class HostService {
  constructor(private readonly deps: HostServiceDeps) {}

  async register(
    input: RegisterHostInput,
    requestId: string,
  ): Promise<{ host: HostView; probe: ProbeReport }> {
    return measured(this.deps.metrics, 'host.register', async () => {
      const { store, clock } = this.deps;
      const baseUrl = normalizeBaseUrl(input.base_url);
      this.#refuseConflicts(input.name, baseUrl);
      const report = await probeHost(
        this.deps.clients({ baseUrl, token: input.admin_token }, 'probe'),
        baseUrl,
        clock,
      );
      refuseFailedProbe(report, 'the host cannot be registered');
      const now = clock();
      const id = newId('hst', now);
      const row = this.#unique(() =>
        store.transaction(() => {
          const inserted = store.hosts.insert({
            id,
            name: input.name,
            baseUrl,
            tokenCiphertext: this.deps.secrets.seal(input.admin_token),
            tokenFingerprint: fingerprint(input.admin_token),
            labels: input.labels ?? {},
            ...probeColumns(report, now),
            createdAt: now,
            updatedAt: now,
          });
          this.#recordProbe(id, 'probe', 'register', report, requestId, now);
          return inserted;
        }),
      );
      return { host: hostView(row), probe: report };
    });
  }

  list(limit: number, cursor?: string): { items: HostView[]; next_cursor: string | null } {
    return page(this.deps.store.hosts.list(limit + 1, cursor), limit, hostView);
  }

  get(id: string): HostView {
    return hostView(this.#row(id));
  }

  /** Rename, relabel, rotate the admin token or move the base URL; a new token or URL is probed first. */
  async update(id: string, input: UpdateHostInput, requestId: string): Promise<HostView> {
    return measured(this.deps.metrics, 'host.update', () =>
      this.deps.leases.withHostLease(id, 'host.update', async () => {
        const { store, clock } = this.deps;
        const current = this.#row(id);
        const name = input.name ?? current.name;
        const baseUrl = input.base_url === undefined ? current.baseUrl : normalizeBaseUrl(input.base_url);
        this.#refuseConflicts(name, baseUrl, id);
        let report: ProbeReport | undefined;
        if (input.admin_token !== undefined || baseUrl !== current.baseUrl) {
          const token = input.admin_token ?? this.#token(current);
          report = await probeHost(this.deps.clients({ baseUrl, token }, 'probe'), baseUrl, clock);
          refuseFailedProbe(report, 'the host was not changed');
        }
        const now = clock();
        const probed = report;
        const row = this.#unique(() =>
          store.transaction(() => {
            const updated = store.hosts.update(id, {
              name,
              baseUrl,
              ...(input.labels === undefined ? {} : { labels: input.labels }),
              ...(input.admin_token === undefined
                ? {}
                : {
                    tokenCiphertext: this.deps.secrets.seal(input.admin_token),
                    tokenFingerprint: fingerprint(input.admin_token),
                  }),
              ...(probed === undefined ? {} : probeColumns(probed, now)),
              updatedAt: now,
            });
            if (updated === undefined) throw notFound(id);
            if (probed !== undefined) this.#recordProbe(id, 'probe', 'update', probed, requestId, now);
            return updated;
          }),
        );
        return hostView(row);
      }),
    );
  }

  /** Refused with 409 HOST_HAS_RESOURCES while managed resources are recorded, unless forced. */
  async delete(id: string, force: boolean): Promise<{ recorded_resources: number }> {
    return measured(this.deps.metrics, 'host.delete', () =>
      this.deps.leases.withHostLease(id, 'host.delete', async () => {
        const { store } = this.deps;
        return store.transaction(() => {
          this.#row(id);
          const recorded = store.resources.countRecorded(id);
          if (recorded > 0 && !force) {
            throw new ManagerError(
              'HOST_HAS_RESOURCES',
              `host ${id} still has ${recorded} managed resources recorded; roll them back first or delete with ?force=true`,
              { recorded_resources: recorded },
            );
          }
          store.hosts.delete(id);
          return { recorded_resources: recorded };
        });
      }),
    );
  }

  /** Side-effect free on the host: only GETs. Stores the report and the host's new status. */
  async probe(id: string, trigger: ProbeTrigger, requestId?: string): Promise<ProbeReport> {
    return measured(
      this.deps.metrics,
      trigger === 'scheduled' ? 'host.probe_scheduled' : 'host.probe',
      async () => {
        const { store, clock } = this.deps;
        const host = this.#row(id);
        const report = await probeHost(
          this.deps.clients({ baseUrl: host.baseUrl, token: this.#token(host) }, 'probe'),
          host.baseUrl,
          clock,
        );
        const now = clock();
        store.transaction(() => {
          // The host may have been deleted while the probe was in flight.
          if (
            store.hosts.update(id, { ...probeColumns(report, now), updatedAt: host.updatedAt }) === undefined
          )
            return;
          this.#recordProbe(id, 'probe', trigger, report, requestId, now);
        });
        return report;
      },
    );
  }

  /** Probes every host one after another (the scheduled probe); one failing host does not stop the rest. */
  async probeAll(): Promise<void> {
    for (const host of this.deps.store.hosts.all()) {
      try {
        const report = await this.probe(host.id, 'scheduled');
        if (!report.ok)
          this.deps.logger.warn(
            { host_id: host.id, status: statusFromProbe(report) },
            'scheduled probe failed',
          );
      } catch (error) {
        this.deps.logger.error({ host_id: host.id, err: error }, 'scheduled probe error');
      }
    }
  }

  async status(id: string): Promise<HostStatusView> {
    const { store } = this.deps;
    const host = this.#row(id);
    const byProvider = store.resources.countsByProvider(id);
    const total = Object.values(byProvider).reduce(
      (sum, types) => sum + Object.values(types).reduce((a, b) => a + b, 0),
      0,
    );
    const lease = store.leases.get(id);
    return {
      host_id: id,
      status: host.status,
      last_probe: store.probeResults.latest(id, 'probe')?.report ?? null,
      last_smoke: store.probeResults.latest(id, 'smoke')?.report ?? null,
      managed_resources: { total, by_provider: byProvider },
      closure: await this.#closure(id, Object.keys(byProvider)),
      lease:
        lease === undefined || lease.expiresAt <= this.deps.clock()
          ? null
          : { operation: lease.operation, expires_at: new Date(lease.expiresAt).toISOString() },
    };
  }

  /**
   * The production smoke through the host's public API, under the host lease. Without `api_key` it uses
   * the smoke key recorded for the host, creating (and recording) one in an imported provider group when
   * there is none; a host with no imported group answers 422 SMOKE_KEY_REQUIRED.
   */
  /** The closure of each provider recorded on the host, read live (in parallel) from the host. */
  async #closure(hostId: string, providerIds: string[]): Promise<HostClosureSummary> {
    const checkedAt = new Date(this.deps.clock()).toISOString();
    const access = this.deps.access;
    const ids = providerIds.filter((id) => id !== '_host');
    if (access === undefined) return { ok: true, checked_at: checkedAt, providers: [] };
    const providers = await Promise.all(
      ids.map(async (providerId) => {
        const report = await access.reportOrError(hostId, providerId);
        if ('error' in report) {
          return { provider_id: providerId, ok: false, groups_with_gaps: 0, error: report.error };
        }
        return {
          provider_id: providerId,
          ok: report.ok,
          groups_with_gaps: report.groups.filter((g) => !g.ok).length,
        };
      }),
    );
    return { ok: providers.every((p) => p.ok), checked_at: checkedAt, providers };
  }

  async smoke(id: string, input: SmokeInput, requestId: string): Promise<SmokeReport> {
    return measured(this.deps.metrics, 'host.smoke', () =>
      this.deps.leases.withHostLease(id, 'host.smoke', async () => {
        const { store, clock } = this.deps;
        const host = this.#row(id);
        let apiKey = input.api_key;
        if (apiKey === undefined && host.smokeKeyCiphertext !== null)
          apiKey = this.#open(host.smokeKeyCiphertext, host.id);
        if (apiKey === undefined && this.deps.smokeKeys !== undefined)
          apiKey = await this.deps.smokeKeys.create(id, input.models, requestId);
        if (apiKey === undefined) {
          throw new ManagerError(
            'SMOKE_KEY_REQUIRED',
            `host ${id} has no recorded smoke key: pass {"api_key": "<a tenant key of this host>"}`,
          );
        }
        const report = await runSmoke({
          baseUrl: host.baseUrl,
          apiKey,
          models: input.models,
          timeoutMs: this.deps.smokeTimeoutMs ?? 30_000,
          now: clock,
        });
        const now = clock();
        store.transaction(() => {
          if (store.hosts.get(id) !== undefined)
            this.#recordProbe(id, 'smoke', 'manual', report, requestId, now);
        });
        return report;
      }),
    );
  }

  #row(id: string): HostRow {
    const row = this.deps.store.hosts.get(id);
    if (row === undefined) throw notFound(id);
    return row;
  }

  #token(host: HostRow): string {
    return this.#open(host.tokenCiphertext, host.id);
  }

  #open(sealed: string, hostId: string): string {
    try {
      return this.deps.secrets.open(sealed);
    } catch {
      throw new ManagerError(
        'CONFLICT',
        `the stored credentials of host ${hostId} cannot be decrypted (was MANAGER_SECRET_KEY changed?); PATCH the host with a new admin_token`,
      );
    }
  }

  #refuseConflicts(name: string, baseUrl: string, exceptId?: string): void {
    const clash = this.deps.store.hosts.conflicting(name, baseUrl, exceptId);
    if (clash === undefined) return;
    const field = clash.name === name ? 'name' : 'base_url';
    throw new ManagerError('CONFLICT', `another host (${clash.id}) already has this ${field}`, {
      field,
      host_id: clash.id,
    });
  }

  /** Turns a unique-constraint race (two registrations at once) into 409 CONFLICT. */
  #unique<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      if ((error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new ManagerError('CONFLICT', 'another host already has this name or base_url');
      }
      throw error;
    }
  }

  #recordProbe(
    hostId: string,
    kind: 'probe' | 'smoke',
    trigger: ProbeTrigger,
    report: ProbeReport | SmokeReport,
    requestId: string | undefined,
    now: number,
  ): void {
    this.deps.store.probeResults.insert({
      id: newId('prb', now),
      hostId,
      kind,
      trigger,
      ok: report.ok,
      report,
      requestId: requestId ?? null,
      checkedAt: now,
    });
  }
}

function probeColumns(report: ProbeReport, now: number) {
  return {
    status: statusFromProbe(report),
    version: report.version,
    capabilities: report.capabilities,
    lastProbeAt: now,
    lastProbeOk: report.ok,
  };
}

/** Registration and token rotation need a reachable host that accepts the token. */
function refuseFailedProbe(report: ProbeReport, consequence: string): void {
  if (report.reachable && report.auth_ok) return;
  const reason = !report.reachable ? 'the host is unreachable' : 'the host refused the admin token';
  throw new ManagerError('HOST_PROBE_FAILED', `probe failed: ${reason}; ${consequence}`, { probe: report });
}

function notFound(id: string): ManagerError {
  return new ManagerError('NOT_FOUND', `host ${id} not found`);
}
