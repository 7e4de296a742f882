// Version history: LATEST and DEPLOYED labels, a side-by-side diff against LATEST (in a wide dialog), Restore.
import { useState } from 'react';
import { api } from '../api.ts';
import type { Page } from '../types.ts';
import { AsyncView, useLoad } from '../ui/async-view.tsx';
import { Dialog } from '../ui/dialog.tsx';
import { ACTIONS, Table } from '../ui/table.tsx';
import { useAction } from '../ui/use-action.ts';

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
  unsaved,
  onRestored,
}: {
  functionId: string;
  readOnly: boolean;
  /** The editor holds changes that are not saved: restoring replaces them, so it asks first. */
  unsaved: boolean;
  onRestored(): void;
}) {
  const versions = useLoad(
    () => api<Page<Version>>('GET', `/functions/${functionId}/versions?limit=100`),
    [functionId],
  );
  const [diff, setDiff] = useState<{ from: Version; to: Version; diff: Diff }>();
  const [notice, setNotice] = useState<string>();
  const action = useAction();
  const latest = versions.data?.data.find((v) => v.isLatest);
  const compare = (version: Version) =>
    action.run(async () => {
      if (!latest) return;
      const answer = await api<Diff>(
        'GET',
        `/functions/${functionId}/versions/${version.id}/diff/${latest.id}`,
      );
      setDiff({ from: version, to: latest, diff: answer });
    });
  const restore = (version: Version) => {
    if (
      unsaved &&
      !confirm(`Restoring v${version.number} replaces your unsaved changes in the editor. Restore?`)
    )
      return;
    return action.run(async () => {
      setNotice(undefined);
      const restored = await api<{ number: number }>('POST', `/functions/${functionId}/versions`, {
        versionId: version.id,
      });
      setDiff(undefined);
      setNotice(`Restored v${version.number} as v${restored.number}.`);
      versions.reload();
      onRestored();
    });
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
                <td className="actions wrap">
                  {!version.isLatest && (
                    <button className="link" onClick={() => void compare(version)} disabled={action.busy}>
                      Compare with LATEST
                    </button>
                  )}
                  {!version.isLatest && !readOnly && (
                    <button className="link" onClick={() => void restore(version)} disabled={action.busy}>
                      Restore
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </Table>
        )}
      </AsyncView>
      {action.error && !diff && (
        <p role="alert" className="error">
          {action.error}
        </p>
      )}
      {/* Once the editor changes again, "Restored …" no longer describes what it shows. */}
      {notice && !unsaved && <p role="status">{notice}</p>}
      {diff && (
        // A dialog, so the two versions get the width of the screen rather than of the side panel.
        <Dialog
          title={`Changes from v${diff.from.number} to v${diff.to.number} (LATEST)`}
          wide
          onClose={() => setDiff(undefined)}
        >
          <div className="diff">
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
          {action.error && (
            <p role="alert" className="error">
              {action.error}
            </p>
          )}
          <div className="dialog-actions">
            <button onClick={() => setDiff(undefined)}>Close</button>
            {!readOnly && (
              <button className="primary" onClick={() => void restore(diff.from)} disabled={action.busy}>
                {action.busy ? 'Restoring…' : `Restore v${diff.from.number}`}
              </button>
            )}
          </div>
        </Dialog>
      )}
    </section>
  );
}
