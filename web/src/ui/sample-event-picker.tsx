// "Use Sample Event": pick a source, then one of the events it received recently (the Test tab, and the
// filters preview on a destination page).
import { useState } from 'react';
import { api } from '../api.ts';
import type { Page, Source } from '../types.ts';
import { useLoad } from './async-view.tsx';

export function SampleEventPicker({
  onPick,
  sourceIds,
}: {
  onPick(event: Record<string, unknown>): void;
  /** Only these sources (a destination's); every source when left out. */
  sourceIds?: readonly string[];
}) {
  const [sourceId, setSourceId] = useState('');
  const sources = useLoad(() => api<Page<Source>>('GET', '/sources?limit=200'), []);
  const samples = useLoad(
    () =>
      sourceId === ''
        ? Promise.resolve({ data: [] as Record<string, unknown>[] })
        : api<{ data: Record<string, unknown>[] }>('GET', `/sources/${sourceId}/sample-events?limit=20`),
    [sourceId],
  );
  const shown = sources.data?.data.filter((source) => !sourceIds || sourceIds.includes(source.id));
  return (
    <>
      <label>
        Use Sample Event from a source
        <select
          aria-label="Source for sample events"
          value={sourceId}
          onChange={(e) => setSourceId(e.target.value)}
        >
          <option value="">
            {sources.loading
              ? 'Loading sources…'
              : sources.error
                ? 'Sources did not load'
                : 'Choose a source…'}
          </option>
          {shown?.map((source) => (
            <option key={source.id} value={source.id}>
              {source.name}
            </option>
          ))}
        </select>
      </label>
      {sources.error && <p className="error small">{sources.error}</p>}
      {sourceId !== '' && (
        <label>
          Recent events
          <select
            aria-label="Sample event"
            defaultValue=""
            onChange={(e) => {
              const sample = samples.data?.data[Number(e.target.value)];
              if (sample) onPick(sample);
            }}
          >
            <option value="" disabled>
              {samples.loading
                ? 'Loading…'
                : samples.error
                  ? `Could not load events: ${samples.error}`
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
    </>
  );
}

/** "track Order Completed · 2026-11-28T10:00:00Z" for the sample picker. */
function describeSample(sample: Record<string, unknown>): string {
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  const what = text(sample.event) || text(sample.name) || text(sample.userId);
  return `${text(sample.type)} ${what} · ${text(sample.receivedAt)}`;
}
