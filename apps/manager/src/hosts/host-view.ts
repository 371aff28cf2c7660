import type { HostRow, HostStatus } from '../db/schema.ts';
import type { ProbeReport } from './probe.ts';

/** A host as the API shows it: the admin token only as a fingerprint. */
export type HostView = {
  id: string;
  name: string;
  base_url: string;
  labels: Record<string, string>;
  token_fingerprint: string;
  status: HostStatus;
  version: string | null;
  capabilities: unknown;
  last_probe_at: string | null;
  last_probe_ok: boolean | null;
  smoke_key_fingerprint: string | null;
  created_at: string;
  updated_at: string;
};

export function hostView(row: HostRow): HostView {
  return {
    id: row.id,
    name: row.name,
    base_url: row.baseUrl,
    labels: row.labels,
    token_fingerprint: row.tokenFingerprint,
    status: row.status,
    version: row.version,
    capabilities: row.capabilities ?? null,
    last_probe_at: row.lastProbeAt === null ? null : new Date(row.lastProbeAt).toISOString(),
    last_probe_ok: row.lastProbeOk,
    smoke_key_fingerprint: row.smokeKeyFingerprint,
    created_at: new Date(row.createdAt).toISOString(),
    updated_at: new Date(row.updatedAt).toISOString(),
  };
}

/** What a probe says about the host, in one word. */
export function statusFromProbe(report: ProbeReport): HostStatus {
  if (report.ok) return 'active';
  if (!report.reachable) return 'unreachable';
  if (!report.auth_ok) return 'unauthorized';
  return 'degraded';
}
