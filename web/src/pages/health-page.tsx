// Connection Health: every destination's state from its last 15 minutes of attempts, with the reason.
import { api } from '../api.ts';
import { Link } from '../router.tsx';
import type { Destination, Health, Page } from '../types.ts';
import { AsyncView, useLoad } from '../ui/async-view.tsx';
import { Table } from '../ui/table.tsx';

const ORDER: Record<Health['status'], number> = { failing: 0, paused: 1, degraded: 2, healthy: 3 };

export function HealthPage() {
  const rows = useLoad(async () => {
    const page = await api<Page<Destination>>('GET', '/destinations?limit=200');
    const withHealth = await Promise.all(
      page.data.map(async (destination) => ({
        destination,
        health: (
          await api<{ health: Health & { errorRate: number } }>(
            'GET',
            `/destinations/${destination.id}/stats?window=1h`,
          )
        ).health,
      })),
    );
    return withHealth.sort((a, b) => ORDER[a.health.status] - ORDER[b.health.status]);
  }, []);
  return (
    <>
      <h1>Connection Health</h1>
      <AsyncView state={rows}>
        {(list) =>
          list.length === 0 ? (
            <p className="muted">No destinations yet.</p>
          ) : (
            <Table headers={['Destination', 'Health', 'Error rate (15 min)', 'Why', 'Enabled']}>
              {list.map(({ destination, health }) => (
                <tr key={destination.id}>
                  <td>
                    <Link to={`/destinations/${destination.id}`}>{destination.name}</Link>
                  </td>
                  <td>
                    <span className={`health ${health.status}`}>{health.status}</span>
                  </td>
                  <td>{Math.round(health.errorRate * 100)}%</td>
                  <td>{health.reason}</td>
                  <td>{destination.enabled ? 'yes' : 'no'}</td>
                </tr>
              ))}
            </Table>
          )
        }
      </AsyncView>
    </>
  );
}
