// One destination filter in the form: "If" (match all events, rows of field + operator + value joined by
// all/any, or raw FQL) and "Then" (its actions with their fields).
import { type ReactNode } from 'react';
import { ConditionError } from '../filters/fql-builder.ts';
import { fqlToCondition } from '../filters/fql-reader.ts';
import {
  ACTION_LABELS,
  type FormAction,
  type FormFilter,
  blankAction,
  formFilterFql,
} from '../filters/filter-form.ts';
import { ConditionBuilder } from './condition-builder.tsx';

export function FilterCard({
  filter,
  index,
  count,
  writable,
  onChange,
  onMove,
  onRemove,
}: {
  filter: FormFilter;
  index: number;
  count: number;
  writable: boolean;
  onChange(filter: FormFilter): void;
  onMove(by: -1 | 1): void;
  onRemove(): void;
}) {
  const name = `Filter ${index + 1}`;
  const { condition } = filter;
  const setActions = (actions: FormAction[]) => onChange({ ...filter, actions });
  let fql: string | undefined;
  let problem: string | undefined;
  if (condition.mode === 'builder') {
    try {
      fql = formFilterFql(condition);
    } catch (error) {
      if (!(error instanceof ConditionError)) throw error;
      problem = error.message;
    }
  }
  return (
    <section className="filter-card" aria-label={name}>
      <div className="filter-head">
        <h3>{name}</h3>
        <span className="spacer" />
        {writable && (
          <>
            <button className="link" disabled={index === 0} onClick={() => onMove(-1)}>
              Move up
            </button>
            <button className="link" disabled={index === count - 1} onClick={() => onMove(1)}>
              Move down
            </button>
            <button className="link danger" onClick={onRemove} aria-label={`Remove ${name.toLowerCase()}`}>
              Remove
            </button>
          </>
        )}
      </div>
      <fieldset disabled={!writable}>
        <legend>If</legend>
        {condition.mode === 'builder' ? (
          <ConditionBuilder
            writable={writable}
            condition={condition.value}
            onChange={(value) => onChange({ ...filter, condition: { ...condition, value } })}
          />
        ) : (
          <label>
            FQL condition
            <textarea
              className="json fql"
              spellCheck={false}
              value={condition.text}
              onChange={(e) => onChange({ ...filter, condition: { mode: 'fql', text: e.target.value } })}
            />
          </label>
        )}
        <ConditionFooter filter={filter} fql={fql} problem={problem} onChange={onChange} />
      </fieldset>
      <fieldset disabled={!writable}>
        <legend>Then</legend>
        {filter.actions.map((action, i) => (
          <ActionFields
            key={i}
            label={`Action ${i + 1}`}
            action={action}
            onChange={(next) => setActions(filter.actions.map((a, j) => (j === i ? next : a)))}
            onRemove={
              writable && filter.actions.length > 1
                ? () => setActions(filter.actions.filter((_, j) => j !== i))
                : undefined
            }
          />
        ))}
        {writable && (
          <button
            className="link"
            onClick={() => setActions([...filter.actions, blankAction('DROP_PROPERTIES')])}
          >
            Add action
          </button>
        )}
      </fieldset>
    </section>
  );
}

/** The generated FQL (or what is missing), and the switch between the builder and raw FQL. */
function ConditionFooter({
  filter,
  fql,
  problem,
  onChange,
}: {
  filter: FormFilter;
  fql: string | undefined;
  problem: string | undefined;
  onChange(filter: FormFilter): void;
}) {
  const { condition } = filter;
  if (condition.mode === 'fql') {
    const readable = fqlToCondition(condition.text);
    return (
      <p className="muted small">
        {readable
          ? 'This condition fits the builder.'
          : 'The builder cannot show this condition, so it is kept as FQL exactly as written.'}{' '}
        {readable && (
          <button
            className="link"
            onClick={() => onChange({ ...filter, condition: { mode: 'builder', value: readable } })}
          >
            Use the builder
          </button>
        )}
      </p>
    );
  }
  return (
    <p className="small">
      {problem ? (
        <span className="error">{problem}</span>
      ) : (
        <>
          <span className="muted">FQL:</span> <code aria-label="Generated FQL">{fql}</code>
        </>
      )}{' '}
      <button
        className="link"
        onClick={() => onChange({ ...filter, condition: { mode: 'fql', text: fql ?? '' } })}
      >
        Edit as FQL
      </button>
    </p>
  );
}

function ActionFields({
  label,
  action,
  onChange,
  onRemove,
}: {
  label: string;
  action: FormAction;
  onChange(action: FormAction): void;
  onRemove: (() => void) | undefined;
}) {
  let fields: ReactNode = null;
  if (action.type === 'SAMPLE') {
    fields = (
      <>
        <label className="narrow">
          Keep (%)
          <input
            aria-label={`${label} percent kept`}
            inputMode="decimal"
            value={action.percent}
            onChange={(e) => onChange({ ...action, percent: e.target.value })}
          />
        </label>
        <label>
          Sample by <span className="muted small">(optional)</span>
          <input
            aria-label={`${label} sample by`}
            title="With a path, events with the same value there are all kept or all dropped"
            placeholder="random, or a path such as userId"
            value={action.path}
            onChange={(e) => onChange({ ...action, path: e.target.value })}
          />
        </label>
      </>
    );
  } else if (action.type !== 'DROP') {
    fields = (
      <label className="wide">
        {action.type === 'DROP_PROPERTIES' ? 'Fields to drop' : 'Fields to keep'}{' '}
        <span className="muted small">(one a line: properties.email, context.ip, userId)</span>
        <textarea
          aria-label={`${label} fields`}
          spellCheck={false}
          value={action.fields}
          onChange={(e) => onChange({ ...action, fields: e.target.value })}
        />
      </label>
    );
  }
  return (
    <div className="action-row" role="group" aria-label={label}>
      <select
        aria-label={`${label} type`}
        value={action.type}
        onChange={(e) => onChange(blankAction(e.target.value as FormAction['type']))}
      >
        {Object.entries(ACTION_LABELS).map(([type, text]) => (
          <option key={type} value={type}>
            {text}
          </option>
        ))}
      </select>
      {fields}
      {onRemove && (
        <button className="link danger" onClick={onRemove} aria-label={`Remove ${label.toLowerCase()}`}>
          ×
        </button>
      )}
    </div>
  );
}
