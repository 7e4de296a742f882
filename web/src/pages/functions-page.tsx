import { api, messageOf } from '../api.ts';
import { Link, navigate } from '../router.tsx';
import { can, useSession } from '../session.tsx';
import type { FunctionSummary, Page } from '../types.ts';
import { AsyncView, useLoad } from '../ui/async-view.tsx';
import { ACTIONS, Table } from '../ui/table.tsx';

export function FunctionsPage() {
  const { me } = useSession();
  const functions = useLoad(() => api<Page<FunctionSummary>>('GET', '/functions?limit=200'), []);
  const remove = (fn: FunctionSummary) => {
    if (!confirm(`Delete ${fn.displayName} and every destination that runs it?`)) return;
    api('DELETE', `/functions/${fn.id}?force=true`)
      .then(() => functions.reload())
      .catch((error: unknown) => alert(messageOf(error)));
  };
  return (
    <>
      <div className="title-row">
        <h1>Functions</h1>
        {can(me, 'functions:write') && (
          <button className="primary" onClick={() => navigate('/functions/new')}>
            New Function
          </button>
        )}
      </div>
      <AsyncView state={functions}>
        {(page) =>
          page.data.length === 0 ? (
            <p className="muted">No functions yet.</p>
          ) : (
            <Table headers={['Name', 'Latest', 'Updated', ACTIONS]}>
              {page.data.map((fn) => (
                <tr key={fn.id}>
                  <td>
                    <Link to={`/functions/${fn.id}`}>{fn.displayName}</Link>
                  </td>
                  <td>v{fn.version.number}</td>
                  <td>{new Date(fn.updatedAt).toLocaleString()}</td>
                  <td className="actions">
                    <Link to={`/functions/${fn.id}`}>
                      {can(me, 'functions:write', fn.id) ? 'Edit' : 'View'}
                    </Link>
                    {can(me, 'functions:write', fn.id) && (
                      <button
                        className="link danger"
                        onClick={() => remove(fn)}
                        aria-label={`Delete ${fn.displayName}`}
                      >
                        Delete
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </Table>
          )
        }
      </AsyncView>
    </>
  );
}
