import { api } from '../api.ts';
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

export function UsagePage() {
  const usage = useLoad(() => api<Usage>('GET', '/usage'), []);
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
                    <code>{row.destinationId}</code>
                  </td>
                  <td>
                    <code>{row.functionId}</code>
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
