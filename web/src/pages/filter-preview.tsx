// Preview: what the filters being edited (not yet saved) would do to an event, answered by the server
// (POST /destinations/:id/filters/preview) so it is exactly what delivery would do.
import { useState } from 'react';
import { api, messageOf } from '../api.ts';
import type { DestinationFilter } from '../filters/filter-form.ts';
import { SampleEventPicker } from '../ui/sample-event-picker.tsx';
import { useAction } from '../ui/use-action.ts';

interface PreviewAnswer {
  delivered: boolean;
  event: Record<string, unknown> | null;
  reason?: string;
  /** Which filter dropped it (0-based, as the API counts). */
  dropped?: { filterIndex: number; action: 'DROP' | 'SAMPLE' };
}

/** Why the event is not sent, counting filters from 1 as the form shows them. */
function whyNotSent(answer: PreviewAnswer): string | undefined {
  if (!answer.dropped) return answer.reason;
  const filter = `Filter ${answer.dropped.filterIndex + 1}`;
  return answer.dropped.action === 'SAMPLE'
    ? `${filter} samples it out (this event is not in the kept percentage).`
    : `${filter} drops it.`;
}

const EXAMPLE = {
  type: 'track',
  event: 'Order Completed',
  userId: 'user-1',
  properties: { revenue: 25, email: 'someone@example.com' },
};

export function FilterPreview({
  destinationId,
  sourceIds,
  filters,
}: {
  destinationId: string;
  sourceIds: readonly string[];
  /** The filters as edited; throws with a message when the form is incomplete. */
  filters(): DestinationFilter[];
}) {
  const [eventText, setEventText] = useState(JSON.stringify(EXAMPLE, null, 2));
  const [answer, setAnswer] = useState<PreviewAnswer>();
  const action = useAction();
  const preview = () =>
    action.run(async () => {
      setAnswer(undefined);
      let event: unknown;
      try {
        event = JSON.parse(eventText);
      } catch (cause) {
        throw new Error(`The event is not valid JSON: ${messageOf(cause)}`, { cause });
      }
      setAnswer(
        await api<PreviewAnswer>('POST', `/destinations/${destinationId}/filters/preview`, {
          event,
          filters: filters(),
        }),
      );
    });
  return (
    <section className="filter-preview" aria-label="Preview">
      <h2>Preview</h2>
      <p className="muted small">Try the filters as edited on an event before saving them.</p>
      <SampleEventPicker
        sourceIds={sourceIds}
        onPick={(event) => setEventText(JSON.stringify(event, null, 2))}
      />
      <label>
        Event to preview
        <textarea
          className="json"
          spellCheck={false}
          value={eventText}
          onChange={(e) => setEventText(e.target.value)}
        />
      </label>
      <button onClick={() => void preview()} disabled={action.busy}>
        {action.busy ? 'Previewing…' : 'Preview'}
      </button>
      {action.error && (
        <p role="alert" className="error">
          {action.error}
        </p>
      )}
      {answer && (
        <div className="preview-result" aria-label="Preview result" role="status">
          {answer.delivered ? (
            <p>
              <span className="status delivered">sent</span> The destination receives this event:
            </p>
          ) : (
            <p>
              <span className="status discarded">not sent</span> {whyNotSent(answer)}
            </p>
          )}
          {answer.event && <pre>{JSON.stringify(answer.event, null, 2)}</pre>}
        </div>
      )}
    </section>
  );
}
