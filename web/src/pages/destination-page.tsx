// One destination: its sources, setting values (required and encrypted as the function defines them),
// enabled or not, filters with a preview, and Event Delivery.
import { useState } from 'react';
import { api } from '../api.ts';
import { Link } from '../router.tsx';
import { can, useSession } from '../session.tsx';
import type { Destination, Page, SettingDefinition, Source } from '../types.ts';
import { AsyncView, useLoad } from '../ui/async-view.tsx';
import { SettingFields } from '../ui/setting-input.tsx';
import { SourceChecklist } from '../ui/source-checklist.tsx';
import { useAction } from '../ui/use-action.ts';
import { EventDelivery } from './event-delivery.tsx';
import { FiltersEditor } from './filters-editor.tsx';

interface Loaded {
  destination: Destination;
  definitions: SettingDefinition[];
  sources: Source[];
  functionName: string;
}

export function DestinationPage({ id }: { id: string }) {
  const { me } = useSession();
  const [tab, setTab] = useState<'delivery' | 'settings' | 'filters'>('delivery');
  const state = useLoad(async (): Promise<Loaded> => {
    const destination = await api<Loaded['destination']>('GET', `/destinations/${id}`);
    const [version, sources, fn] = await Promise.all([
      api<{ settings: SettingDefinition[] }>(
        'GET',
        `/functions/${destination.functionId}/versions/${destination.versionId}`,
      ),
      api<Page<Source>>('GET', '/sources?limit=200'),
      api<{ displayName: string }>('GET', `/functions/${destination.functionId}`),
    ]);
    return {
      destination,
      definitions: version.settings,
      sources: sources.data,
      functionName: fn.displayName,
    };
  }, [id]);
  return (
    <AsyncView state={state}>
      {(loaded) => {
        const writable = can(me, 'functions:write', loaded.destination.functionId);
        return (
          <>
            <div className="title-row">
              <h1>{loaded.destination.name}</h1>
              <span className="muted">
                runs <Link to={`/functions/${loaded.destination.functionId}`}>{loaded.functionName}</Link> v
                {loaded.destination.versionNumber}
              </span>
            </div>
            <div role="tablist" className="tabs" aria-label="Destination panels">
              {(
                [
                  ['delivery', 'Event Delivery'],
                  ['settings', 'Settings'],
                  ['filters', 'Filters'],
                ] as const
              ).map(([key, label]) => (
                <button key={key} role="tab" aria-selected={tab === key} onClick={() => setTab(key)}>
                  {label}
                </button>
              ))}
            </div>
            {tab === 'delivery' && <EventDelivery destinationId={id} canReplay={writable} />}
            {tab === 'settings' && (
              <DestinationSettings loaded={loaded} writable={writable} onSaved={state.reload} />
            )}
            {tab === 'filters' && (
              <FiltersEditor
                destinationId={id}
                sourceIds={loaded.destination.sourceIds}
                writable={writable}
              />
            )}
          </>
        );
      }}
    </AsyncView>
  );
}

function DestinationSettings({
  loaded,
  writable,
  onSaved,
}: {
  loaded: Loaded;
  writable: boolean;
  onSaved(): void;
}) {
  const { destination, definitions, sources } = loaded;
  const [values, setValues] = useState<Record<string, unknown>>(destination.settings);
  const [sourceIds, setSourceIds] = useState(destination.sourceIds);
  const [enabled, setEnabled] = useState(destination.enabled);
  const [message, setMessage] = useState<string>();
  const saving = useAction();
  const save = () =>
    saving.run(async () => {
      setMessage(undefined);
      await api('PATCH', `/destinations/${destination.id}`, { settings: values, sourceIds, enabled });
      setMessage('Saved.');
      onSaved();
    });
  return (
    <form
      className="stack"
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
    >
      <fieldset disabled={!writable}>
        <legend>Connection</legend>
        <label className="check">
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
          Enabled
        </label>
        <SourceChecklist sources={sources} chosen={sourceIds} onChange={setSourceIds} />
      </fieldset>
      <fieldset disabled={!writable}>
        <legend>Settings</legend>
        {definitions.length === 0 && <p className="muted">The function has no settings.</p>}
        <SettingFields definitions={definitions} values={values} onChange={setValues} />
      </fieldset>
      {writable && (
        <button type="submit" className="primary" disabled={saving.busy}>
          {saving.busy ? 'Saving…' : 'Save settings'}
        </button>
      )}
      {saving.error && (
        <p role="alert" className="error">
          {saving.error}
        </p>
      )}
      {message && <p role="status">{message}</p>}
    </form>
  );
}
