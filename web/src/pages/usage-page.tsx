import { api } from '../api.ts';
import type { Page } from '../types.ts';
import { AsyncView, useLoad } from '../ui/async-view.tsx';
import { Table } from '../ui/table.tsx';

interface Usage {
  month: { usedMs: number; limitMs: number | null; exceeded: boolean };
  totals: { invocations: number; executionMs: number };
  data: {
    day: string;
    destinationId: string;
    functionId: string;
    invocations: number;
    executionMs: number;
  }[];
}

/** Ids → names for the table. A role that cannot list destinations or functions still sees the ids. */
async function namesOf(path: string, key: 'name' | 'displayName'): Promise<Map<string, string>> {
  const page = await api<Page<Record<string, string>>>('GET', `${path}?limit=200`).catch(() => ({
    data: [],
  }));
  return new Map(page.data.map((item) => [item.id!, item[key]!]));
}

function Named({ names, id }: { names: Map<string, string>; id: string }) {
  const name = names.get(id);
  return name ? <span title={id}>{name}</span> : <code>{id}</code>;
}

export function UsagePage() {
  const usage = useLoad(async () => {
    const [data, destinations, functions] = await Promise.all([
      api<Usage>('GET', '/usage'),
      namesOf('/destinations', 'name'),
      namesOf('/functions', 'displayName'),
    ]);
    return { ...data, destinations, functions };
  }, []);
  return (
    <>
      <h1>Usage</h1>
      <AsyncView state={usage}>
        {(data) => (
          <>
            <p>
              This month: <strong>{(data.month.usedMs / 1000).toFixed(1)} s</strong> of execution time
              {data.month.limitMs !== null && <> of a {(data.month.limitMs / 1000).toFixed(0)} s limit</>}
              {data.month.exceeded && <strong className="error"> — limit reached: delivery is paused</strong>}
              .
            </p>
            <p className="muted">
              Last 30 days: {data.totals.invocations} invocations,{' '}
              {(data.totals.executionMs / 1000).toFixed(1)} s.
            </p>
            <Table headers={['Day', 'Destination', 'Function', 'Invocations', 'Execution']}>
              {data.data.map((row) => (
                <tr key={`${row.day}-${row.destinationId}`}>
                  <td>{row.day}</td>
                  <td>
                    <Named names={data.destinations} id={row.destinationId} />
                  </td>
                  <td>
                    <Named names={data.functions} id={row.functionId} />
                  </td>
                  <td>{row.invocations}</td>
                  <td>{row.executionMs} ms</td>
                </tr>
              ))}
            </Table>
          </>
        )}
      </AsyncView>
    </>
  );
}
