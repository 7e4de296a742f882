// A destination's filters, as Segment's Destination Filters: a list of filters built with a form (or edited
// as JSON), reordered, previewed on an event and saved. The server validates and answers with the saved list.
import { useState } from 'react';
import { useLeaveGuard } from '../ui/use-leave-guard.ts';
import { api, messageOf } from '../api.ts';
import { ConditionError } from '../filters/fql-builder.ts';
import {
  type DestinationFilter,
  type FormFilter,
  blankFilter,
  fromFormFilters,
  isFilterList,
  toFormFilters,
} from '../filters/filter-form.ts';
import { AsyncView, useLoad } from '../ui/async-view.tsx';
import { useAction } from '../ui/use-action.ts';
import { FilterCard } from './filter-card.tsx';
import { FilterPreview } from './filter-preview.tsx';

type Editing = { mode: 'form'; filters: FormFilter[] } | { mode: 'json'; text: string };

const asJson = (filters: readonly DestinationFilter[]) => JSON.stringify(filters, null, 2);

/** Saved filters in the form, or as JSON when the form cannot show them exactly. */
function editingOf(filters: DestinationFilter[]): Editing {
  const form = toFormFilters(filters);
  return form ? { mode: 'form', filters: form } : { mode: 'json', text: asJson(filters) };
}

/** What the editor holds, as the API takes it; throws with a message the user can act on. */
function filtersOf(editing: Editing): DestinationFilter[] {
  if (editing.mode === 'form') return fromFormFilters(editing.filters);
  let parsed: unknown;
  try {
    parsed = JSON.parse(editing.text);
  } catch (cause) {
    throw new ConditionError(`The filters are not valid JSON: ${messageOf(cause)}`);
  }
  if (!isFilterList(parsed)) throw new ConditionError('The filters must be a list of {"if", "actions"}');
  return parsed;
}

export function FiltersEditor({
  destinationId,
  sourceIds,
  writable,
}: {
  destinationId: string;
  sourceIds: readonly string[];
  writable: boolean;
}) {
  const saved = useLoad(
    () => api<{ filters: DestinationFilter[] }>('GET', `/destinations/${destinationId}/filters`),
    [destinationId],
  );
  return (
    <AsyncView state={saved}>
      {({ filters }) => (
        <Editor destinationId={destinationId} sourceIds={sourceIds} writable={writable} initial={filters} />
      )}
    </AsyncView>
  );
}

function Editor({
  destinationId,
  sourceIds,
  writable,
  initial,
}: {
  destinationId: string;
  sourceIds: readonly string[];
  writable: boolean;
  initial: DestinationFilter[];
}) {
  const [saved, setSaved] = useState(initial);
  const [editing, setEditing] = useState<Editing>(() => editingOf(initial));
  const [notice, setNotice] = useState<string>();
  const [problem, setProblem] = useState<string>();
  const save = useAction();

  let current: string | undefined;
  try {
    current = asJson(filtersOf(editing));
  } catch {
    current = undefined;
  }
  const dirty = current !== asJson(saved);
  useLeaveGuard(dirty && writable, 'filters');

  const setFilters = (filters: FormFilter[]) => {
    setNotice(undefined);
    setEditing({ mode: 'form', filters });
  };
  const switchMode = () => {
    setProblem(undefined);
    try {
      const filters = filtersOf(editing);
      if (editing.mode === 'form') return setEditing({ mode: 'json', text: asJson(filters) });
      const form = toFormFilters(filters);
      if (form) return setEditing({ mode: 'form', filters: form });
      setProblem('These filters drop or keep field names with dots or commas, which the form cannot show.');
    } catch (error) {
      setProblem(messageOf(error));
    }
  };
  const onSave = () =>
    save.run(async () => {
      setNotice(undefined);
      const answer = await api<{ filters: DestinationFilter[] }>(
        'PUT',
        `/destinations/${destinationId}/filters`,
        filtersOf(editing),
      );
      // The server's answer is what delivery uses from now on: show exactly that.
      setSaved(answer.filters);
      setEditing(editingOf(answer.filters));
      setNotice(`Filters saved (${answer.filters.length}).`);
    });

  return (
    <div className="filters-layout">
      <div className="filters-editor">
        <div className="title-row">
          <h2>Filters</h2>
          {dirty && writable && <span className="muted">Unsaved changes</span>}
          <span className="spacer" />
          <button className="link" onClick={switchMode} aria-pressed={editing.mode === 'json'}>
            {editing.mode === 'json' ? 'Edit with the form' : 'Edit as JSON'}
          </button>
        </div>
        <p className="muted small">
          Every filter&apos;s condition is checked against the original event; then, across matching filters,
          Sample runs first, then Drop, Drop properties and Only send properties.
        </p>
        {problem && (
          <p role="alert" className="error">
            {problem}
          </p>
        )}
        {editing.mode === 'json' ? (
          <label>
            Filters (JSON)
            <textarea
              className="json tall"
              spellCheck={false}
              value={editing.text}
              readOnly={!writable}
              onChange={(e) => {
                setNotice(undefined);
                setEditing({ mode: 'json', text: e.target.value });
              }}
            />
          </label>
        ) : (
          <>
            {editing.filters.length === 0 && (
              <p className="muted">No filters: every event from the connected sources is sent.</p>
            )}
            {editing.filters.map((filter, index, all) => (
              <FilterCard
                key={filter.key}
                filter={filter}
                index={index}
                count={all.length}
                writable={writable}
                onChange={(next) => setFilters(all.map((f) => (f.key === filter.key ? next : f)))}
                onRemove={() => setFilters(all.filter((f) => f.key !== filter.key))}
                onMove={(by) => {
                  const moved = [...all];
                  moved.splice(index, 1);
                  moved.splice(index + by, 0, filter);
                  setFilters(moved);
                }}
              />
            ))}
            {writable && (
              <button onClick={() => setFilters([...editing.filters, blankFilter()])}>Add filter</button>
            )}
          </>
        )}
        {writable && (
          <div className="button-row">
            <button className="primary" onClick={() => void onSave()} disabled={save.busy || !dirty}>
              {save.busy ? 'Saving…' : 'Save filters'}
            </button>
            {dirty && (
              <button onClick={() => setEditing(editingOf(saved))} disabled={save.busy}>
                Discard changes
              </button>
            )}
          </div>
        )}
        {save.error && (
          <p role="alert" className="error">
            {save.error}
          </p>
        )}
        {notice && <p role="status">{notice}</p>}
      </div>
      <FilterPreview destinationId={destinationId} sourceIds={sourceIds} filters={() => filtersOf(editing)} />
    </div>
  );
}
