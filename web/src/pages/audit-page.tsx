import { useEffect, useState } from 'react';
import { api } from '../api.ts';
import { AsyncView, useLoad } from '../ui/async-view.tsx';
import { Table } from '../ui/table.tsx';

interface AuditEvent {
  id: string;
  at: string;
  actor: { type: string; id: string | null; label: string | null };
  action: string;
  outcome: string;
  resourceType?: string;
  resourceId?: string;
  ip?: string;
  summary?: Record<string, unknown>;
}

export function AuditPage() {
  // What is typed, and (a moment after typing stops) what is asked for: not one request per keystroke.
  const [typed, setTyped] = useState({ resource: '', actor: '' });
  const [{ resource, actor }, setFilters] = useState(typed);
  useEffect(() => {
    const timer = setTimeout(() => setFilters(typed), 300);
    return () => clearTimeout(timer);
  }, [typed]);
  const query = new URLSearchParams({
    limit: '200',
    ...(resource ? { resource } : {}),
    ...(actor ? { actor } : {}),
  });
  const events = useLoad(
    () => api<{ data: AuditEvent[] }>('GET', `/audit-events?${query.toString()}`),
    [resource, actor],
  );
  return (
    <>
      <h1>Audit Trail</h1>
      <div className="title-row">
        <label>
          Resource id
          <input
            value={typed.resource}
            onChange={(e) => setTyped((t) => ({ ...t, resource: e.target.value.trim() }))}
          />
        </label>
        <label>
          Actor (email, token or user id)
          <input
            value={typed.actor}
            onChange={(e) => setTyped((t) => ({ ...t, actor: e.target.value.trim() }))}
          />
        </label>
      </div>
      <AsyncView state={events}>
        {(page) => (
          <Table headers={['When', 'Who', 'Action', 'Outcome', 'Resource', 'From', 'Change']}>
            {page.data.map((event) => (
              <tr key={event.id}>
                <td>{new Date(event.at).toLocaleString()}</td>
                <td>{event.actor.label ?? event.actor.id}</td>
                <td>{event.action}</td>
                <td className={event.outcome === 'ok' ? '' : 'error'}>{event.outcome}</td>
                <td>
                  <code>{event.resourceId ?? ''}</code>
                </td>
                <td>{event.ip ?? ''}</td>
                <td>
                  <code className="small">{event.summary ? JSON.stringify(event.summary) : ''}</code>
                </td>
              </tr>
            ))}
          </Table>
        )}
      </AsyncView>
    </>
  );
}
