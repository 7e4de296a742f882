// Save & Deploy: choose which destinations move to the version just saved, or create the first one.
import { useState } from 'react';
import { api } from '../api.ts';
import type { Destination, Page, SettingDefinition, Source } from '../types.ts';
import { AsyncView, useLoad } from '../ui/async-view.tsx';
import { SettingFields, isMissing } from '../ui/setting-input.tsx';
import { SourceChecklist } from '../ui/source-checklist.tsx';
import { useAction } from '../ui/use-action.ts';
import { Dialog } from '../ui/dialog.tsx';

export function DeployDialog({
  functionId,
  versionNumber,
  settings,
  onClose,
}: {
  functionId: string;
  versionNumber: number;
  /** The saved version's settings: a new destination must be given its required ones at once. */
  settings: readonly SettingDefinition[];
  onClose(): void;
}) {
  const destinations = useLoad(
    () => api<Page<Destination>>('GET', `/destinations?functionId=${functionId}&limit=200`),
    [functionId],
  );
  const sources = useLoad(() => api<Page<Source>>('GET', '/sources?limit=200'), []);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [name, setName] = useState('');
  const [sourceIds, setSourceIds] = useState<string[]>([]);
  const [values, setValues] = useState<Record<string, unknown>>({});
  const creating = name.trim() !== '';
  const missing = creating ? settings.filter((d) => isMissing(d, values[d.name])) : [];
  const { busy, error, run } = useAction();
  const [done, setDone] = useState<string>();

  const deploy = () =>
    run(async () => {
      if (chosen.size > 0) {
        await api('POST', `/functions/${functionId}/deploy`, { destinationIds: [...chosen] });
      }
      if (creating) {
        await api('POST', '/destinations', { name: name.trim(), functionId, sourceIds, settings: values });
        setName('');
        setValues({});
      }
      setDone(`Deployed v${versionNumber}.`);
      destinations.reload();
    });

  return (
    <Dialog title={`Deploy v${versionNumber}`} onClose={onClose}>
      <AsyncView state={destinations}>
        {(page) =>
          page.data.length === 0 ? (
            <p className="muted">No destination runs this function yet.</p>
          ) : (
            <fieldset>
              <legend>Move these destinations to v{versionNumber}</legend>
              {page.data.map((destination) => (
                <label key={destination.id} className="check">
                  <input
                    type="checkbox"
                    checked={chosen.has(destination.id)}
                    onChange={(e) => {
                      const next = new Set(chosen);
                      if (e.target.checked) next.add(destination.id);
                      else next.delete(destination.id);
                      setChosen(next);
                    }}
                  />
                  {destination.name} <span className="muted">(now v{destination.versionNumber})</span>
                </label>
              ))}
            </fieldset>
          )
        }
      </AsyncView>
      <fieldset>
        <legend>Or create a destination running it</legend>
        <label>
          Destination name
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder="Production" />
        </label>
        <SourceChecklist
          sources={sources.data?.data ?? []}
          chosen={sourceIds}
          onChange={setSourceIds}
          verb="Connect source"
        />
        {settings.length > 0 && (
          <fieldset>
            <legend>Its settings</legend>
            <SettingFields definitions={settings} values={values} onChange={setValues} />
          </fieldset>
        )}
        {missing.length > 0 && (
          <p className="muted small">
            Required before creating it: {missing.map((d) => d.label).join(', ')}.
          </p>
        )}
      </fieldset>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {done && <p role="status">{done}</p>}
      <div className="dialog-actions">
        <button onClick={onClose}>Close</button>
        <button
          className="primary"
          disabled={busy || (chosen.size === 0 && !creating) || missing.length > 0}
          onClick={() => void deploy()}
        >
          {busy ? 'Deploying…' : 'Deploy'}
        </button>
      </div>
    </Dialog>
  );
}
