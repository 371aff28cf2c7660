import { useState } from 'preact/hooks';
import { api, withQuery } from '../api.ts';
import { ErrorNote, Loading, StatusBadge, Time } from '../components/feedback.tsx';
import { useLoad } from '../hooks.ts';
import type { AuditEvent, Page } from '../types.ts';

type Filters = { action: string; actor: string; outcome: string; target_id: string };
const EMPTY: Filters = { action: '', actor: '', outcome: '', target_id: '' };

export function AuditPage() {
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [pages, setPages] = useState<AuditEvent[][]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const first = useLoad(async () => {
    const page = await api<Page<AuditEvent>>(
      'GET',
      withQuery('/api/audit-events', { ...filters, limit: 50 }),
    );
    setPages([page.items]);
    setCursor(page.next_cursor);
    return page;
  }, [filters]);
  const more = async () => {
    if (cursor === null) return;
    const page = await api<Page<AuditEvent>>(
      'GET',
      withQuery('/api/audit-events', { ...filters, limit: 50, cursor }),
    );
    setPages((previous) => [...previous, page.items]);
    setCursor(page.next_cursor);
  };
  const field = (key: keyof Filters) => ({
    value: draft[key],
    onInput: (event: { currentTarget: { value: string } }) =>
      setDraft((previous) => ({ ...previous, [key]: event.currentTarget.value })),
  });
  const events = pages.flat();
  return (
    <section>
      <h1>Audit</h1>
      <p class="lead">
        Every change made through the manager, and every login: who, what, when, and how it ended.
      </p>
      <form
        class="card filters"
        aria-label="Filter audit events"
        onSubmit={(event) => {
          event.preventDefault();
          setFilters(draft);
        }}
      >
        <div class="grid">
          <div>
            <label for="audit-action">Action</label>
            <input id="audit-action" placeholder="provider.import" {...field('action')} />
          </div>
          <div>
            <label for="audit-actor">Actor</label>
            <input id="audit-actor" placeholder="session:admin" {...field('actor')} />
          </div>
          <div>
            <label for="audit-outcome">Outcome</label>
            <select
              id="audit-outcome"
              value={draft.outcome}
              onChange={(event) => setDraft({ ...draft, outcome: event.currentTarget.value })}
            >
              <option value="">any</option>
              <option value="success">success</option>
              <option value="failure">failure</option>
              <option value="denied">denied</option>
            </select>
          </div>
          <div>
            <label for="audit-target">Target id</label>
            <input id="audit-target" placeholder="hst_…" {...field('target_id')} />
          </div>
        </div>
        <div class="actions">
          <button type="submit" class="button primary">
            Filter
          </button>
          <button
            type="button"
            class="button"
            onClick={() => {
              setDraft(EMPTY);
              setFilters(EMPTY);
            }}
          >
            Clear
          </button>
        </div>
      </form>
      <ErrorNote error={first.error} title="Could not load the audit trail" />
      {first.data === undefined ? (
        <Loading what="audit events" />
      ) : events.length === 0 ? (
        <p class="muted">No event matches.</p>
      ) : (
        <table class="table">
          <caption>Audit events, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Actor</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">Outcome</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {events.map((event) => (
              <tr key={event.id}>
                <td>
                  <Time at={event.at} />
                </td>
                <td>{event.actor}</td>
                <td>
                  <code>{event.action}</code>
                </td>
                <td>
                  {event.target_type ?? ''} <code>{event.target_id ?? ''}</code>
                </td>
                <td>
                  <StatusBadge status={event.outcome} /> {event.status ?? ''}
                </td>
                <td class="wrap details">
                  {event.details === null ? '' : JSON.stringify(event.details)}
                  {event.request_id !== null && <div class="muted">request {event.request_id}</div>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {cursor !== null && (
        <button type="button" class="button" onClick={more}>
          Load older events
        </button>
      )}
    </section>
  );
}
