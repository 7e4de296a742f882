// Version history: LATEST and DEPLOYED labels, a side-by-side diff against LATEST, Restore.
import { useState } from 'react';
import { api, messageOf } from '../api.ts';
import type { Page } from '../types.ts';
import { AsyncView, useLoad } from '../ui/async-view.tsx';
import { ACTIONS, Table } from '../ui/table.tsx';

interface Version {
  id: string;
  number: number;
  isLatest: boolean;
  deployedTo: string[];
  createdAt: string;
}

interface Diff {
  code: { op: ' ' | '-' | '+'; text: string }[];
}

export function VersionsPanel({
  functionId,
  readOnly,
  onRestored,
}: {
  functionId: string;
  readOnly: boolean;
  onRestored(): void;
}) {
  const versions = useLoad(
    () => api<Page<Version>>('GET', `/functions/${functionId}/versions?limit=100`),
    [functionId],
  );
  const [diff, setDiff] = useState<{ from: Version; to: Version; diff: Diff }>();
  const [error, setError] = useState<string>();
  const latest = versions.data?.data.find((v) => v.isLatest);
  const compare = (version: Version) => {
    if (!latest) return;
    api<Diff>('GET', `/functions/${functionId}/versions/${version.id}/diff/${latest.id}`)
      .then((answer) => setDiff({ from: version, to: latest, diff: answer }))
      .catch((cause: unknown) => setError(messageOf(cause)));
  };
  const restore = (version: Version) => {
    api('POST', `/functions/${functionId}/versions`, { versionId: version.id })
      .then(() => {
        versions.reload();
        onRestored();
      })
      .catch((cause: unknown) => setError(messageOf(cause)));
  };
  return (
    <section aria-label="Versions">
      <AsyncView state={versions}>
        {(page) => (
          <Table headers={['Version', 'Saved', 'Labels', ACTIONS]}>
            {page.data.map((version) => (
              <tr key={version.id}>
                <td>v{version.number}</td>
                <td>{new Date(version.createdAt).toLocaleString()}</td>
                <td>
                  {version.isLatest && <span className="badge">LATEST</span>}
                  {version.deployedTo.length > 0 && (
                    <span className="badge deployed">DEPLOYED ({version.deployedTo.length})</span>
                  )}
                </td>
                <td className="actions">
                  {!version.isLatest && (
                    <button className="link" onClick={() => compare(version)}>
                      Compare with LATEST
                    </button>
                  )}
                  {!version.isLatest && !readOnly && (
                    <button className="link" onClick={() => restore(version)}>
                      Restore
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </Table>
        )}
      </AsyncView>
      {error && <p className="error">{error}</p>}
      {diff && (
        <div className="diff" aria-label={`Changes from v${diff.from.number} to v${diff.to.number}`}>
          <div className="columns">
            <h4>v{diff.from.number}</h4>
            <h4>v{diff.to.number} (LATEST)</h4>
          </div>
          {diff.diff.code.map((line, i) => (
            <div key={i} className="columns diff-line">
              <pre className={line.op === '-' ? 'removed' : ''}>{line.op === '+' ? '' : line.text}</pre>
              <pre className={line.op === '+' ? 'added' : ''}>{line.op === '-' ? '' : line.text}</pre>
            </div>
          ))}
        </div>
      )}
    </section>
  );
}
