import type { Plan, PlanOp } from '../types.ts';
import { Badge, Time, type Tone } from './feedback.tsx';
import { ClosureView } from './reports.tsx';

const ACTION_TONES: Record<PlanOp['action'], Tone> = {
  create: 'ok',
  update: 'info',
  'no-op': 'neutral',
  adopt: 'warn',
  conflict: 'bad',
};

const ACTION_HELP: Record<PlanOp['action'], string> = {
  create: 'will be created',
  update: 'owned fields will change',
  'no-op': 'already as planned',
  adopt: 'found with our labels but not recorded: will be recorded',
  conflict: 'exists without our labels: left untouched',
};

function show(value: unknown): string {
  if (value === undefined) return '—';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** What an op changes: old → new for updates, the new values for creates, the reason for conflicts. */
function OpChanges({ op }: { op: PlanOp }) {
  if (op.action === 'conflict') return <span>{op.reason ?? ACTION_HELP.conflict}</span>;
  if (op.action === 'update' || (op.action === 'adopt' && op.changed_fields !== undefined)) {
    const fields = op.changed_fields ?? Object.keys(op.after ?? {});
    return (
      <ul class="plain changes">
        {fields.map((field) => (
          <li key={field}>
            <code>{field}</code>: <del>{show(op.before?.[field])}</del> → <ins>{show(op.after?.[field])}</ins>
          </li>
        ))}
      </ul>
    );
  }
  if (op.action === 'create') {
    const entries = Object.entries(op.after ?? {});
    if (entries.length === 0) return <span class="muted">{ACTION_HELP.create}</span>;
    return (
      <ul class="plain changes">
        {entries.map(([field, value]) => (
          <li key={field}>
            <code>{field}</code>: {show(value)}
          </li>
        ))}
      </ul>
    );
  }
  return <span class="muted">{ACTION_HELP[op.action]}</span>;
}

export function countActions(ops: PlanOp[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const op of ops) counts[op.action] = (counts[op.action] ?? 0) + 1;
  return counts;
}

/** An import plan as a reader checks it before confirming. */
export function PlanView({ plan, hostName }: { plan: Plan; hostName: string }) {
  const counts = countActions(plan.ops);
  return (
    <section class="card" aria-label="Import plan">
      <h3>
        Plan for {plan.provider_id} on {hostName}
      </h3>
      <p class="summary">
        {(['create', 'update', 'adopt', 'no-op', 'conflict'] as const).map((action) =>
          counts[action] === undefined ? null : (
            <span key={action} class="summary-item">
              <Badge tone={ACTION_TONES[action]}>{action}</Badge> {counts[action]}
            </span>
          ),
        )}
      </p>
      <p class="muted">
        Plan <code>{plan.plan_id}</code>, valid until <Time at={plan.expires_at} />. Nothing has been written
        to the host yet.
      </p>
      <p>
        Credentials (fingerprints only):{' '}
        {plan.credentials.map((credential) => (
          <code key={credential.fingerprint} class="pill">
            {credential.name === null ? '' : `${credential.name} `}
            {credential.fingerprint}
          </code>
        ))}
      </p>
      {plan.warnings.length > 0 && (
        <div class="note note-warn" role="status">
          <strong>Warnings</strong>
          <ul>
            {plan.warnings.map((warning) => (
              <li key={warning}>{warning}</li>
            ))}
          </ul>
        </div>
      )}
      <table class="table">
        <caption>Operations, in the order they will be applied</caption>
        <thead>
          <tr>
            <th scope="col">Action</th>
            <th scope="col">Type</th>
            <th scope="col">Natural key</th>
            <th scope="col">Changes</th>
          </tr>
        </thead>
        <tbody>
          {plan.ops.map((op) => (
            <tr key={`${op.type}:${op.natural_key}`} class={`op op-${op.action}`}>
              <td>
                <Badge tone={ACTION_TONES[op.action]}>{op.action}</Badge>
              </td>
              <td>{op.type}</td>
              <td>
                <code>{op.natural_key}</code>
                {op.remote_id !== undefined && <div class="muted">{op.remote_id}</div>}
              </td>
              <td>
                <OpChanges op={op} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ClosureView closure={plan.closure} title="Access closure after this plan" />
    </section>
  );
}
