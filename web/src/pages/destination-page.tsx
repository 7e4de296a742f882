// One destination: its sources, setting values (required and encrypted as the function defines them),
// enabled or not, filters with a preview, and Event Delivery.
import { useEffect, useState } from 'react';
import { api } from '../api.ts';
import { Link } from '../router.tsx';
import { can, useSession } from '../session.tsx';
import type { Destination, Page, SettingDefinition, Source } from '../types.ts';
import { AsyncView, useLoad } from '../ui/async-view.tsx';
import { SettingFields } from '../ui/setting-input.tsx';
import { SourceChecklist } from '../ui/source-checklist.tsx';
import { useAction } from '../ui/use-action.ts';
import { useLeaveGuard } from '../ui/use-leave-guard.ts';
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
  const [settingsNotice, setSettingsNotice] = useState<string>();
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
  const name = state.data?.destination.name;
  useEffect(() => {
    if (name) document.title = `${name} · Switchyard`;
  }, [name]);
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
            {/* All panels stay mounted, only hidden: switching tabs keeps unsaved settings and filters. */}
            <div hidden={tab !== 'delivery'}>
              <EventDelivery destinationId={id} canReplay={writable} visible={tab === 'delivery'} />
            </div>
            <div hidden={tab !== 'settings'}>
              <DestinationSettings
                // A fresh form after each save: encrypted values come back masked from the server.
                key={loaded.destination.updatedAt}
                loaded={loaded}
                writable={writable}
                message={settingsNotice}
                onSaved={(notice) => {
                  setSettingsNotice(notice);
                  state.reload();
                }}
              />
            </div>
            <div hidden={tab !== 'filters'}>
              <FiltersEditor
                destinationId={id}
                sourceIds={loaded.destination.sourceIds}
                writable={writable}
              />
            </div>
          </>
        );
      }}
    </AsyncView>
  );
}

function DestinationSettings({
  loaded,
  writable,
  message,
  onSaved,
}: {
  loaded: Loaded;
  writable: boolean;
  /** Kept by the page: the form is rebuilt after a save, and the notice must outlive it. */
  message: string | undefined;
  onSaved(message: string): void;
}) {
  const { destination, definitions, sources } = loaded;
  const [values, setValues] = useState<Record<string, unknown>>(destination.settings);
  const [sourceIds, setSourceIds] = useState(destination.sourceIds);
  const [enabled, setEnabled] = useState(destination.enabled);
  const saving = useAction();
  const dirty =
    JSON.stringify({ values, sourceIds, enabled }) !==
    JSON.stringify({
      values: destination.settings,
      sourceIds: destination.sourceIds,
      enabled: destination.enabled,
    });
  useLeaveGuard(dirty && writable, 'destination settings');
  const save = () =>
    saving.run(async () => {
      await api('PATCH', `/destinations/${destination.id}`, { settings: values, sourceIds, enabled });
      // The form is rebuilt from the reloaded destination (see its key), so the notice outlives this one.
      onSaved('Saved.');
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
        <div className="button-row">
          <button type="submit" className="primary" disabled={saving.busy}>
            {saving.busy ? 'Saving…' : 'Save settings'}
          </button>
          {dirty && <span className="muted small">Unsaved changes</span>}
        </div>
      )}
      {saving.error && (
        <p role="alert" className="error">
          {saving.error}
        </p>
      )}
      {message && !dirty && <p role="status">{message}</p>}
    </form>
  );
}
