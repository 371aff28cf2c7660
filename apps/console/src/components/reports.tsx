import type { BatchItem, Closure, ProbeCheck, ProbeReport, SmokeResult } from '../types.ts';
import { Badge, OkBadge, StatusBadge, Time } from './feedback.tsx';

/** Check-by-check results (probe or smoke), each with its HTTP status and what was seen. */
export function ChecksTable({ checks, caption }: { checks: ProbeCheck[]; caption: string }) {
  return (
    <table class="table">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Check</th>
          <th scope="col">Result</th>
          <th scope="col">HTTP</th>
          <th scope="col">Detail</th>
          <th scope="col">Time</th>
        </tr>
      </thead>
      <tbody>
        {checks.map((check) => (
          <tr key={check.name}>
            <td>
              <code>{check.name}</code>
            </td>
            <td>
              <OkBadge ok={check.ok} yes="passed" />
            </td>
            <td>{check.status ?? '—'}</td>
            <td class="wrap">{check.detail}</td>
            <td>{check.duration_ms} ms</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ProbeReportView({ probe }: { probe: ProbeReport }) {
  return (
    <section class="report" aria-label="Probe report">
      <p>
        Probe of <code>{probe.base_url}</code>: <OkBadge ok={probe.ok} yes="healthy" no="refused" />{' '}
        {!probe.reachable && <Badge tone="bad">unreachable</Badge>}
        {probe.reachable && !probe.auth_ok && <Badge tone="bad">admin token refused</Badge>}{' '}
        {probe.version !== null && <span>gateway {probe.version}</span>} · <Time at={probe.checked_at} />
      </p>
      <ChecksTable checks={probe.checks} caption="Probe checks" />
    </section>
  );
}

export function SmokeView({ smoke }: { smoke: SmokeResult }) {
  return (
    <section class="report" aria-label="Smoke test result">
      <p>
        Smoke test: <OkBadge ok={smoke.ok} yes="passed" /> · models {smoke.models.join(', ') || '—'} ·{' '}
        <Time at={smoke.checked_at} />
      </p>
      <ChecksTable checks={smoke.steps} caption="Smoke steps" />
    </section>
  );
}

/** Whether each provider group is reachable end to end (group → binding → account → price), and why not. */
export function ClosureView({ closure, title }: { closure: Closure; title: string }) {
  return (
    <section class="report" aria-label={title}>
      <p>
        {title}: <OkBadge ok={closure.ok} yes="complete" no="broken" />
        {closure.checked_at !== undefined && (
          <>
            {' '}
            · <Time at={closure.checked_at} />
          </>
        )}
      </p>
      {closure.message !== undefined && <p class="muted">{closure.message}</p>}
      <ul class="plain">
        {closure.groups.map((group) => (
          <li key={group.natural_key}>
            Group <code>{group.natural_key}</code> <OkBadge ok={group.ok} yes="routable" no="not routable" />
            {group.missing.length > 0 && (
              <ul>
                {group.missing.map((missing, index) => (
                  <li key={`${missing.reason}-${index}`}>
                    <code>{missing.reason}</code>: {missing.message}
                  </li>
                ))}
              </ul>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

export function BatchItemsTable({ items, caption }: { items: BatchItem[]; caption: string }) {
  return (
    <table class="table">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Type</th>
          <th scope="col">Natural key</th>
          <th scope="col">Action</th>
          <th scope="col">Status</th>
          <th scope="col">Remote id</th>
        </tr>
      </thead>
      <tbody>
        {items.map((item) => (
          <tr key={`${item.type}:${item.natural_key}`}>
            <td>{item.type}</td>
            <td>
              <code>{item.natural_key}</code>
            </td>
            <td>{item.action}</td>
            <td>
              <StatusBadge status={item.status} />
              {item.error !== undefined && <div class="muted">{item.error}</div>}
            </td>
            <td>
              <code>{item.remote_id ?? '—'}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
