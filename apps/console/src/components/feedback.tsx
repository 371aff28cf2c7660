import type { ComponentChildren } from 'preact';
import { ApiError } from '../api.ts';

/** An error as the operator needs it: what failed, the stable code, and the request id for the logs. */
export function ErrorNote({ error, title }: { error: Error | undefined; title?: string }) {
  if (error === undefined) return null;
  const api = error instanceof ApiError ? error : undefined;
  return (
    <div class="note note-error" role="alert">
      <strong>{title ?? 'That did not work'}: </strong>
      {api !== undefined && <code class="code">{api.code}</code>} <span>{error.message}</span>
      {api?.requestId !== undefined && <span class="muted"> (request {api.requestId})</span>}
    </div>
  );
}

export function Note({ tone, children }: { tone: 'ok' | 'warn' | 'info'; children: ComponentChildren }) {
  return (
    <div class={`note note-${tone}`} role="status">
      {children}
    </div>
  );
}

export type Tone = 'ok' | 'bad' | 'warn' | 'neutral' | 'info';

export function Badge({ tone, children }: { tone: Tone; children: ComponentChildren }) {
  return <span class={`badge badge-${tone}`}>{children}</span>;
}

const STATUS_TONES: Record<string, Tone> = {
  active: 'ok',
  succeeded: 'ok',
  created: 'ok',
  adopted: 'ok',
  confirmed: 'ok',
  updated: 'ok',
  deleted: 'neutral',
  rolled_back: 'neutral',
  released: 'neutral',
  already_gone: 'neutral',
  superseded: 'neutral',
  skipped: 'warn',
  partial: 'warn',
  degraded: 'warn',
  unknown: 'warn',
  pending: 'info',
  running: 'info',
  queued: 'info',
  failed: 'bad',
  unreachable: 'bad',
  unauthorized: 'bad',
  interrupted: 'bad',
  cancelled: 'neutral',
  success: 'ok',
  failure: 'bad',
  denied: 'bad',
};

/** A status word in a colour that says whether it needs attention. */
export function StatusBadge({ status: given }: { status: string | undefined }) {
  const status = given ?? 'unknown';
  return <Badge tone={STATUS_TONES[status] ?? 'neutral'}>{status.replace(/_/g, ' ')}</Badge>;
}

export function OkBadge({ ok, yes = 'ok', no = 'failed' }: { ok: boolean; yes?: string; no?: string }) {
  return <Badge tone={ok ? 'ok' : 'bad'}>{ok ? yes : no}</Badge>;
}

/** A timestamp in the reader's local time, the exact UTC value on hover. */
export function Time({ at }: { at: string | null | undefined }) {
  if (at === null || at === undefined) return <span class="muted">never</span>;
  const date = new Date(at);
  return (
    <time dateTime={at} title={at}>
      {date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' })}
    </time>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="muted" aria-busy="true">
      Loading {what}…
    </p>
  );
}
