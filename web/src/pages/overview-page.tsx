import { useState } from 'react';
import { ApiError, api, messageOf } from '../api.ts';
import { Link } from '../router.tsx';
import { can, useSession } from '../session.tsx';
import type { Destination, Health, Page, Source } from '../types.ts';
import { AsyncView, useLoad } from '../ui/async-view.tsx';
import { Table } from '../ui/table.tsx';

export function OverviewPage() {
  const { me } = useSession();
  const sources = useLoad(() => api<Page<Source>>('GET', '/sources?limit=200'), []);
  const destinations = useLoad(async () => {
    let page: Page<Destination>;
    try {
      page = await api<Page<Destination>>('GET', '/destinations?limit=200');
    } catch (cause) {
      // A role without destination rights is refused: say so rather than pretend there are none.
      if (cause instanceof ApiError && cause.status === 403) return 'forbidden' as const;
      throw cause;
    }
    return Promise.all(
      page.data.map(async (destination) => ({
        destination,
        health: await api<{ health: Health }>('GET', `/destinations/${destination.id}/stats?window=1h`)
          .then((stats) => stats.health)
          .catch(() => undefined),
      })),
    );
  }, []);
  const [name, setName] = useState('');
  const [error, setError] = useState<string>();
  return (
    <>
      <h1>Overview</h1>
      <section aria-labelledby="sources-heading">
        <h2 id="sources-heading">Sources</h2>
        <AsyncView state={sources}>
          {(page) =>
            page.data.length === 0 ? (
              <p className="muted">No sources yet.</p>
            ) : (
              <Table headers={['Name', 'Write key', 'Id']}>
                {page.data.map((source) => (
                  <tr key={source.id}>
                    <td>{source.name}</td>
                    <td>
                      <code>{source.writeKey}</code>
                    </td>
                    <td>
                      <code>{source.id}</code>
                    </td>
                  </tr>
                ))}
              </Table>
            )
          }
        </AsyncView>
        {can(me, 'sources:write') && (
          <form
            className="inline"
            onSubmit={(event) => {
              event.preventDefault();
              api('POST', '/sources', { name })
                .then(() => {
                  setName('');
                  sources.reload();
                })
                .catch((cause: unknown) => setError(messageOf(cause)));
            }}
          >
            <label>
              New source
              <input value={name} required onChange={(e) => setName(e.target.value)} placeholder="Website" />
            </label>
            <button type="submit">Create source</button>
            {error && <span className="error">{error}</span>}
          </form>
        )}
      </section>
      <section aria-labelledby="destinations-heading">
        <h2 id="destinations-heading">Destinations</h2>
        <AsyncView state={destinations}>
          {(rows) =>
            rows === 'forbidden' ? (
              <p className="muted">You cannot see destinations.</p>
            ) : rows.length === 0 ? (
              <p className="muted">
                No destinations yet: <Link to="/functions">build a function</Link> and deploy it.
              </p>
            ) : (
              <Table headers={['Destination', 'Version', 'Enabled', 'Health']}>
                {rows.map(({ destination, health }) => (
                  <tr key={destination.id}>
                    <td>
                      <Link to={`/destinations/${destination.id}`}>{destination.name}</Link>
                    </td>
                    <td>v{destination.versionNumber}</td>
                    <td>{destination.enabled ? 'yes' : 'no'}</td>
                    <td>
                      {health ? (
                        <span className={`health ${health.status}`} title={health.reason}>
                          {health.status}
                        </span>
                      ) : (
                        '—'
                      )}
                    </td>
                  </tr>
                ))}
              </Table>
            )
          }
        </AsyncView>
      </section>
    </>
  );
}
