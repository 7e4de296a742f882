// The Test tab: pick a sample event captured from a source or paste one, fill in test values, Run.
import { forwardRef, useImperativeHandle, useState } from 'react';
import { api, messageOf } from '../api.ts';
import type { InvocationResult, Page, SettingDefinition, Source } from '../types.ts';
import { useLoad } from '../ui/async-view.tsx';
import { InvocationOutput } from '../ui/invocation-output.tsx';
import { SettingFields } from '../ui/setting-input.tsx';

const EXAMPLE = {
  type: 'track',
  event: 'Order Completed',
  userId: 'user-1',
  properties: { revenue: 25, currency: 'USD' },
};

export interface TestPanelHandle {
  run(): void;
}

export const TestPanel = forwardRef<TestPanelHandle, { code: string; settings: SettingDefinition[] }>(
  function TestPanel({ code, settings }, ref) {
    const [eventText, setEventText] = useState(JSON.stringify(EXAMPLE, null, 2));
    const [values, setValues] = useState<Record<string, unknown>>({});
    const [result, setResult] = useState<InvocationResult>();
    const [error, setError] = useState<string>();
    const [running, setRunning] = useState(false);
    const [sourceId, setSourceId] = useState('');
    const sources = useLoad(() => api<Page<Source>>('GET', '/sources?limit=200'), []);
    const samples = useLoad(
      () =>
        sourceId === ''
          ? Promise.resolve({ data: [] as Record<string, unknown>[] })
          : api<{ data: Record<string, unknown>[] }>('GET', `/sources/${sourceId}/sample-events?limit=20`),
      [sourceId],
    );

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
      api<InvocationResult>('POST', '/functions/test', { code, settings, values, event })
        .then(setResult)
        .catch((cause: unknown) => setError(messageOf(cause)))
        .finally(() => setRunning(false));
    };
    useImperativeHandle(ref, () => ({ run }));

    return (
      <section aria-label="Test" className="test-panel">
        <fieldset>
          <legend>Event</legend>
          <label>
            Use Sample Event from a source
            <select
              aria-label="Source for sample events"
              value={sourceId}
              onChange={(e) => setSourceId(e.target.value)}
            >
              <option value="">Choose a source…</option>
              {sources.data?.data.map((source) => (
                <option key={source.id} value={source.id}>
                  {source.name}
                </option>
              ))}
            </select>
          </label>
          {sourceId !== '' && (
            <label>
              Recent events
              <select
                aria-label="Sample event"
                defaultValue=""
                onChange={(e) => {
                  const sample = samples.data?.data[Number(e.target.value)];
                  if (sample) setEventText(JSON.stringify(sample, null, 2));
                }}
              >
                <option value="" disabled>
                  {samples.loading
                    ? 'Loading…'
                    : samples.data?.data.length
                      ? 'Choose an event…'
                      : 'No events yet'}
                </option>
                {samples.data?.data.map((sample, i) => (
                  <option key={i} value={i}>
                    {describeSample(sample)}
                  </option>
                ))}
              </select>
            </label>
          )}
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
            <SettingFields definitions={settings} values={values} onChange={setValues} />
          </fieldset>
        )}
        <button className="primary" onClick={run} disabled={running} title="Ctrl/Cmd+Enter">
          {running ? 'Running…' : 'Run'}
        </button>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        {result && <InvocationOutput result={result} />}
      </section>
    );
  },
);

/** "track Order Completed · 2026-11-28T10:00:00Z" for the sample picker. */
function describeSample(sample: Record<string, unknown>): string {
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  const what = text(sample.event) || text(sample.name) || text(sample.userId);
  return `${text(sample.type)} ${what} · ${text(sample.receivedAt)}`;
}
