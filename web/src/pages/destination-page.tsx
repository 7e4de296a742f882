// One destination: its sources, setting values (required and encrypted as the function defines them),
// enabled or not, filters with a preview, and Event Delivery.
import { useEffect, useState } from 'react';
import { api, messageOf } from '../api.ts';
import { Link } from '../router.tsx';
import { can, useSession } from '../session.tsx';
import type { Destination, Page, SettingDefinition, Source } from '../types.ts';
import { AsyncView, useLoad } from '../ui/async-view.tsx';
import { SettingFields } from '../ui/setting-input.tsx';
import { SourceChecklist } from '../ui/source-checklist.tsx';
import { EventDelivery } from './event-delivery.tsx';

interface Loaded {
  destination: Destination & { filters: unknown[] };
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
              <Filters id={id} initial={loaded.destination.filters} writable={writable} />
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
  const save = () => {
    api('PATCH', `/destinations/${destination.id}`, { settings: values, sourceIds, enabled })
      .then(() => {
        setMessage('Saved.');
        onSaved();
      })
      .catch((cause: unknown) => setMessage(messageOf(cause)));
  };
  return (
    <form
      className="stack"
      onSubmit={(event) => {
        event.preventDefault();
        save();
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
        <button type="submit" className="primary">
          Save settings
        </button>
      )}
      {message && <p role="status">{message}</p>}
    </form>
  );
}

function Filters({ id, initial, writable }: { id: string; initial: unknown[]; writable: boolean }) {
  const [text, setText] = useState(JSON.stringify(initial, null, 2));
  const [event, setEvent] = useState(
    '{"type":"track","event":"Order Completed","userId":"u1","properties":{}}',
  );
  const [message, setMessage] = useState<string>();
  const [preview, setPreview] = useState<string>();
  useEffect(() => setText(JSON.stringify(initial, null, 2)), [initial]);
  const parsed = (value: string) => JSON.parse(value) as unknown;
  return (
    <div className="stack">
      <p className="muted">
        Filters as Segment's destination filters:{' '}
        <code>
          [{'{'}"if": "FQL", "actions": [...]{'}'}]
        </code>
        .
      </p>
      <label>
        Filters (JSON)
        <textarea
          className="json"
          value={text}
          readOnly={!writable}
          onChange={(e) => setText(e.target.value)}
        />
      </label>
      {writable && (
        <button
          onClick={() => {
            try {
              api('PUT', `/destinations/${id}/filters`, parsed(text))
                .then(() => setMessage('Filters saved.'))
                .catch((cause: unknown) => setMessage(messageOf(cause)));
            } catch (cause) {
              setMessage(messageOf(cause));
            }
          }}
        >
          Save filters
        </button>
      )}
      {message && <p role="status">{message}</p>}
      <label>
        Preview with this event
        <textarea className="json" value={event} onChange={(e) => setEvent(e.target.value)} />
      </label>
      <button
        onClick={() => {
          try {
            api('POST', `/destinations/${id}/filters/preview`, {
              event: parsed(event),
              filters: parsed(text),
            })
              .then((answer) => setPreview(JSON.stringify(answer, null, 2)))
              .catch((cause: unknown) => setPreview(messageOf(cause)));
          } catch (cause) {
            setPreview(messageOf(cause));
          }
        }}
      >
        Preview
      </button>
      {preview && <pre>{preview}</pre>}
    </div>
  );
}
