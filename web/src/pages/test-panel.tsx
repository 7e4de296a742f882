// The Test tab: pick a sample event captured from a source or paste one, fill in test values, Run. For a saved
// function the values load from and save to the function (encrypted ones come back masked; a masked value
// sent back means "the saved one", so runs use the saved secret without the browser ever holding it).
import { forwardRef, useEffect, useImperativeHandle, useRef, useState } from 'react';
import { api, messageOf } from '../api.ts';
import type { InvocationResult, SettingDefinition } from '../types.ts';
import { InvocationOutput } from '../ui/invocation-output.tsx';
import { SampleEventPicker } from '../ui/sample-event-picker.tsx';
import { SettingFields } from '../ui/setting-input.tsx';
import { useAction } from '../ui/use-action.ts';

const EXAMPLE = {
  type: 'track',
  event: 'Order Completed',
  userId: 'user-1',
  properties: { revenue: 25, currency: 'USD' },
};

/** Only the values of settings in `definitions`: a deleted setting's value would be refused. */
const valuesFor = (definitions: readonly SettingDefinition[], values: Record<string, unknown>) =>
  Object.fromEntries(
    definitions.filter((d) => values[d.name] !== undefined).map((d) => [d.name, values[d.name]]),
  );

export interface TestPanelHandle {
  run(): void;
}

export interface TestPanelProps {
  code: string;
  /** The settings as edited (maybe unsaved). */
  settings: SettingDefinition[];
  /** A saved function: its id, saved setting definitions and saved test values (masked). */
  saved?: { functionId: string; settings: SettingDefinition[]; testSettings: Record<string, unknown> };
}

export const TestPanel = forwardRef<TestPanelHandle, TestPanelProps>(function TestPanel(
  { code, settings, saved },
  ref,
) {
  const [eventText, setEventText] = useState(JSON.stringify(EXAMPLE, null, 2));
  const [values, setValues] = useState<Record<string, unknown>>(saved?.testSettings ?? {});
  const [storedValues, setStoredValues] = useState(saved?.testSettings ?? {});
  const [result, setResult] = useState<InvocationResult>();
  const [error, setError] = useState<string>();
  const [running, setRunning] = useState(false);
  const [notice, setNotice] = useState<string>();
  const store = useAction();

  const run = () => {
    let event: unknown;
    try {
      event = JSON.parse(eventText);
    } catch (cause) {
      setError(`The event is not valid JSON: ${messageOf(cause)}`);
      return;
    }
    setRunning(true);
    setError(undefined);
    const given = valuesFor(settings, values);
    const request = saved
      ? api<InvocationResult>('POST', `/functions/${saved.functionId}/test`, {
          code,
          definitions: settings,
          settings: given,
          event,
        })
      : api<InvocationResult>('POST', '/functions/test', { code, settings, values: given, event });
    request
      .then(setResult)
      .catch((cause: unknown) => setError(messageOf(cause)))
      .finally(() => setRunning(false));
  };
  useImperativeHandle(ref, () => ({ run }));
  // The output sits below the event and settings, under the fold on a laptop: show it when a run ends.
  const outcome = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (result || error) outcome.current?.scrollIntoView({ block: 'start', behavior: 'smooth' });
  }, [result, error]);

  const unsavedNames = saved
    ? settings.filter((d) => !saved.settings.some((s) => s.name === d.name)).map((d) => d.label)
    : [];
  const storable = saved ? valuesFor(saved.settings, values) : {};
  const changed = JSON.stringify(storable) !== JSON.stringify(valuesFor(saved?.settings ?? [], storedValues));
  const saveValues = () =>
    store.run(async () => {
      if (!saved) return;
      setNotice(undefined);
      const answer = await api<Record<string, unknown>>(
        'PUT',
        `/functions/${saved.functionId}/test-settings`,
        { settings: storable },
      );
      // Encrypted values come back masked: keep showing those, which the server resolves on each run.
      setStoredValues(answer);
      setValues((current) => ({ ...current, ...answer }));
      setNotice('Test values saved.');
    });

  return (
    <section aria-label="Test" className="test-panel">
      <fieldset>
        <legend>Event</legend>
        <SampleEventPicker onPick={(sample) => setEventText(JSON.stringify(sample, null, 2))} />
        <label>
          Event JSON
          <textarea
            className="json"
            spellCheck={false}
            value={eventText}
            onChange={(e) => setEventText(e.target.value)}
          />
        </label>
      </fieldset>
      {settings.length > 0 && (
        <fieldset>
          <legend>Settings for this test</legend>
          <SettingFields
            definitions={settings}
            values={values}
            onChange={(next) => {
              setNotice(undefined);
              setValues(next);
            }}
          />
          {saved && (
            <>
              <p className="muted small">
                Saved encrypted values show masked and are used as saved unless you type a new one.
                {unsavedNames.length > 0 &&
                  ` Save the function to store values for ${unsavedNames.join(', ')}; runs use them now.`}
              </p>
              <div className="button-row">
                <button onClick={() => void saveValues()} disabled={store.busy || !changed}>
                  {store.busy ? 'Saving…' : 'Save test values'}
                </button>
                {changed && <span className="muted small">Unsaved test values</span>}
              </div>
              {store.error && (
                <p role="alert" className="error">
                  {store.error}
                </p>
              )}
              {notice && <p role="status">{notice}</p>}
            </>
          )}
        </fieldset>
      )}
      <button className="primary" onClick={run} disabled={running} title="Ctrl/Cmd+Enter">
        {running ? 'Running…' : 'Run'}
      </button>
      <div ref={outcome}>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        {result && <InvocationOutput result={result} />}
      </div>
    </section>
  );
});
