import type { AdminClient } from '@relay/admin-client';
import { AdminApiError, AdminNetworkError, AdminProtocolError } from '@relay/admin-client';

export type ProbeCheck = { name: string; ok: boolean; status?: number; detail: string; duration_ms: number };

export type ResourceCount = { count: number; truncated: boolean };

export type ProbeReport = {
  ok: boolean;
  checked_at: string;
  base_url: string;
  /** The host answered HTTP at all. */
  reachable: boolean;
  /** The admin token was accepted (capabilities answered 2xx). */
  auth_ok: boolean;
  version: string | null;
  capabilities: { version: string; api_version: string; platforms: string[]; features: string[] } | null;
  resources: Record<string, ResourceCount> | null;
  checks: ProbeCheck[];
};

/** Lists the probe counts, with the client collection each one reads. */
const COUNTED = [
  ['users', 'users'],
  ['groups', 'groups'],
  ['accounts', 'accounts'],
  ['api_keys', 'apiKeys'],
  ['channels', 'channels'],
  ['account_groups', 'accountGroups'],
] as const;

/** Counting stops after this many items per type: a probe must stay cheap on a large host. */
const PROBE_COUNT_CAP = 2_000;

/**
 * Probes a host without side effects (docs/architecture.md#hosts-and-probes): only GETs — `/healthz`, `/readyz`,
 * `/admin/v1/capabilities` and the list endpoints for resource counts. Never throws: every failure
 * becomes a failed check in the report.
 */
export async function probeHost(
  client: AdminClient,
  baseUrl: string,
  now: () => number = Date.now,
): Promise<ProbeReport> {
  const checks: ProbeCheck[] = [];
  // Mutated by the checks below (an object, so the compiler does not narrow it across the closures).
  const found: Pick<ProbeReport, 'reachable' | 'capabilities' | 'resources'> & { authOk: boolean } = {
    reachable: false,
    authOk: false,
    capabilities: null,
    resources: null,
  };

  const run = async (name: string, fn: () => Promise<{ ok: boolean; status?: number; detail: string }>) => {
    const started = now();
    let outcome: { ok: boolean; status?: number; detail: string };
    try {
      outcome = await fn();
    } catch (error) {
      outcome = describeFailure(error);
      if (!(error instanceof AdminNetworkError)) found.reachable = true;
    }
    checks.push({ name, ...outcome, duration_ms: Math.max(0, now() - started) });
    return outcome.ok;
  };

  await run('healthz', async () => {
    const body = await client.healthz();
    found.reachable = true;
    const ok = body.trim() === 'ok';
    return { ok, status: 200, detail: ok ? 'ok' : `unexpected body: ${truncate(body)}` };
  });

  await run('readyz', async () => {
    const res = await client.readyz();
    found.reachable = true;
    const ok = res.status === 200;
    return {
      ok,
      status: res.status,
      detail: ok ? 'ready' : `not ready: ${truncate(JSON.stringify(res.body))}`,
    };
  });

  const capabilitiesOk = await run('capabilities', async () => {
    const caps = await client.capabilities();
    found.reachable = true;
    found.authOk = true;
    found.capabilities = {
      version: caps.version,
      api_version: caps.api_version,
      platforms: caps.platforms,
      features: caps.features,
    };
    return { ok: true, status: 200, detail: `gateway ${caps.version}, admin API ${caps.api_version}` };
  });
  if (!capabilitiesOk) {
    const failed = checks[checks.length - 1];
    // A 2xx that did not parse (AdminProtocolError) still proves the token was accepted.
    if (failed?.status !== undefined && failed.status < 400) found.authOk = true;
  }

  if (found.authOk) {
    const counted: Record<string, ResourceCount> = {};
    const countsOk = await run('resource_counts', async () => {
      for (const [name, collection] of COUNTED) counted[name] = await countItems(client[collection]);
      const summary = Object.entries(counted)
        .map(([name, c]) => `${name}=${c.count}${c.truncated ? '+' : ''}`)
        .join(' ');
      return { ok: true, status: 200, detail: summary };
    });
    if (countsOk) found.resources = counted;
  } else {
    checks.push({
      name: 'resource_counts',
      ok: false,
      detail: 'skipped: the admin token was not accepted',
      duration_ms: 0,
    });
  }

  return {
    ok: found.reachable && found.authOk && checks.every((c) => c.ok),
    checked_at: new Date(now()).toISOString(),
    base_url: baseUrl,
    reachable: found.reachable,
    auth_ok: found.authOk,
    version: found.capabilities?.version ?? null,
    capabilities: found.capabilities,
    resources: found.resources,
    checks,
  };
}

type Listable = {
  list(query?: {
    limit?: number;
    cursor?: string;
  }): Promise<{ items: unknown[]; next_cursor: string | null }>;
};

async function countItems(collection: Listable): Promise<ResourceCount> {
  let count = 0;
  let cursor: string | undefined;
  for (;;) {
    const page = await collection.list(cursor === undefined ? { limit: 500 } : { limit: 500, cursor });
    count += page.items.length;
    if (page.next_cursor === null) return { count, truncated: false };
    if (count >= PROBE_COUNT_CAP) return { count, truncated: true };
    cursor = page.next_cursor;
  }
}

function describeFailure(error: unknown): { ok: false; status?: number; detail: string } {
  if (error instanceof AdminApiError) {
    const hint = error.status === 401 || error.status === 403 ? ' (wrong admin token?)' : '';
    return {
      ok: false,
      status: error.status,
      detail: `HTTP ${error.status} ${error.code}: ${truncate(error.message)}${hint}`,
    };
  }
  if (error instanceof AdminNetworkError) {
    return { ok: false, detail: `unreachable: ${truncate(error.message + rootCause(error))}` };
  }
  if (error instanceof AdminProtocolError) {
    return { ok: false, status: error.status, detail: `unexpected answer: ${truncate(error.message)}` };
  }
  return {
    ok: false,
    detail: `probe error: ${truncate(error instanceof Error ? error.message : String(error))}`,
  };
}

/** The innermost cause (`connect ECONNREFUSED 127.0.0.1:9`, `bad port`), which fetch's "fetch failed" hides. */
function rootCause(error: Error): string {
  let inner: unknown = error.cause;
  for (let depth = 0; depth < 4 && inner instanceof Error && inner.cause instanceof Error; depth++)
    inner = inner.cause;
  if (!(inner instanceof Error) || error.message.includes(inner.message)) return '';
  return ` (${inner.message})`;
}

function truncate(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
