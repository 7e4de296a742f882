// The "If" of a destination filter: match all events, or rows of field + operator + value joined by
// all (and) or any (or). The rows are the model of fql-builder.ts, which writes the FQL.
import {
  type Condition,
  type ConditionRow,
  FIELD_SCOPES,
  type FieldScope,
  OPERATORS,
  type Operator,
  blankRow,
  scopeIsNamed,
} from '../filters/fql-builder.ts';

const EVENT_TYPES = ['track', 'identify', 'page', 'screen', 'group', 'alias'];

export function ConditionBuilder({
  writable,
  condition,
  onChange,
}: {
  writable: boolean;
  condition: Condition;
  onChange(condition: Condition): void;
}) {
  const rows = condition.kind === 'rows' ? condition.rows : [];
  const combinator = condition.kind === 'rows' ? condition.combinator : 'and';
  const setRows = (next: ConditionRow[]) => onChange({ kind: 'rows', combinator, rows: next });
  return (
    <>
      <label>
        Applies to
        <select
          value={condition.kind === 'all' ? 'all' : combinator}
          onChange={(e) => {
            const value = e.target.value;
            onChange(
              value === 'all'
                ? { kind: 'all' }
                : {
                    kind: 'rows',
                    combinator: value as 'and' | 'or',
                    rows: rows.length > 0 ? rows : [blankRow()],
                  },
            );
          }}
        >
          <option value="all">All events</option>
          <option value="and">Events matching all of these conditions</option>
          <option value="or">Events matching any of these conditions</option>
        </select>
      </label>
      {rows.map((row, i) => (
        <RowFields
          key={i}
          label={`Condition ${i + 1}`}
          row={row}
          onChange={(next) => setRows(rows.map((r, j) => (j === i ? next : r)))}
          onRemove={writable && rows.length > 1 ? () => setRows(rows.filter((_, j) => j !== i)) : undefined}
        />
      ))}
      {writable && condition.kind === 'rows' && (
        <button className="link" onClick={() => setRows([...rows, blankRow()])}>
          Add condition
        </button>
      )}
    </>
  );
}

function RowFields({
  label,
  row,
  onChange,
  onRemove,
}: {
  label: string;
  row: ConditionRow;
  onChange(row: ConditionRow): void;
  onRemove: (() => void) | undefined;
}) {
  const operand = OPERATORS[row.operator].operand;
  const listId = `${label.replace(/\W/g, '-')}-types`;
  return (
    <div className="condition-row" role="group" aria-label={label}>
      <select
        aria-label={`${label} field`}
        value={row.scope}
        onChange={(e) => onChange({ ...row, scope: e.target.value as FieldScope })}
      >
        {FIELD_SCOPES.map(({ scope, label: text }) => (
          <option key={scope} value={scope}>
            {text}
          </option>
        ))}
      </select>
      {scopeIsNamed(row.scope) && (
        <input
          aria-label={`${label} ${row.scope === 'path' ? 'path' : 'name'}`}
          placeholder={row.scope === 'path' ? 'context.page.url' : 'name, or a.b for nested'}
          value={row.name}
          onChange={(e) => onChange({ ...row, name: e.target.value })}
        />
      )}
      <select
        aria-label={`${label} operator`}
        value={row.operator}
        onChange={(e) => onChange({ ...row, operator: e.target.value as Operator })}
      >
        {Object.entries(OPERATORS).map(([key, { label: text }]) => (
          <option key={key} value={key}>
            {text}
          </option>
        ))}
      </select>
      {operand !== 'none' && (
        <input
          aria-label={`${label} value`}
          inputMode={operand === 'number' ? 'decimal' : undefined}
          placeholder={operand === 'list' ? 'a, b, c' : operand === 'number' ? '0' : ''}
          list={row.scope === 'type' ? listId : undefined}
          value={row.value}
          onChange={(e) => onChange({ ...row, value: e.target.value })}
        />
      )}
      {row.scope === 'type' && (
        <datalist id={listId}>
          {EVENT_TYPES.map((type) => (
            <option key={type} value={type} />
          ))}
        </datalist>
      )}
      {onRemove && (
        <button className="link danger" onClick={onRemove} aria-label={`Remove ${label.toLowerCase()}`}>
          ×
        </button>
      )}
    </div>
  );
}
