// The filters editor's form state and its conversion to and from the API's filters
// ({if, actions}, src/filters/filter-types.ts). A filter the form cannot show exactly is never converted:
// its condition stays raw FQL, and a list with actions the form cannot show opens as JSON.
import type { DestinationFilter, FilterAction } from '../../../src/filters/filter-types.ts';
import { type Condition, ConditionError, conditionToFql } from './fql-builder.ts';
import { fqlToCondition } from './fql-reader.ts';

export type { DestinationFilter, FilterAction };

export type FormAction =
  | { type: 'DROP' }
  /** `fields`: full field paths, one a line ("properties.email", "context.ip"). */
  | { type: 'DROP_PROPERTIES' | 'ALLOW_PROPERTIES'; fields: string }
  /** `percent` as typed, 0–100; `path` "" samples at random. */
  | { type: 'SAMPLE'; percent: string; path: string };

export interface FormFilter {
  /** Stable across reordering, for React keys. */
  key: string;
  /** `original`: the saved FQL the builder read, written back as it was while the rows still say the same. */
  condition: { mode: 'builder'; value: Condition; original?: string } | { mode: 'fql'; text: string };
  actions: FormAction[];
}

export const ACTION_LABELS: Record<FormAction['type'], string> = {
  DROP: 'Drop the event',
  SAMPLE: 'Sample (keep a percentage)',
  DROP_PROPERTIES: 'Drop properties',
  ALLOW_PROPERTIES: 'Only send properties',
};

let nextKey = 0;
const newKey = () => `filter-${++nextKey}`;

export const blankAction = (type: FormAction['type']): FormAction =>
  type === 'DROP' ? { type } : type === 'SAMPLE' ? { type, percent: '50', path: '' } : { type, fields: '' };

export const blankFilter = (): FormFilter => ({
  key: newKey(),
  condition: {
    mode: 'builder',
    value: {
      kind: 'rows',
      combinator: 'and',
      rows: [{ scope: 'event', name: '', operator: 'is', value: '' }],
    },
  },
  actions: [{ type: 'DROP' }],
});

/** `{"": ["userId"], properties: ["email"]}` as lines; undefined when a name holds a dot or comma. */
function fieldsText(fields: Record<string, string[]>): string | undefined {
  const lines: string[] = [];
  for (const [path, names] of Object.entries(fields)) {
    for (const name of names) {
      if (/[.,]/.test(name) || name !== name.trim()) return undefined;
      lines.push(path === '' ? name : `${path}.${name}`);
    }
  }
  return lines.join('\n');
}

/** Lines (or commas) of field paths grouped by their parent object, as the API keys them. */
export function parseFieldsText(text: string): Record<string, string[]> {
  // A Map, so that a parent such as "__proto__" is a key like any other.
  const fields = new Map<string, string[]>();
  const paths = text
    .split(/[\n,]/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  if (paths.length === 0) throw new ConditionError('List at least one field, such as properties.email');
  for (const path of paths) {
    if (path.split('.').includes('')) throw new ConditionError(`"${path}" has an empty part`);
    const dot = path.lastIndexOf('.');
    const parent = dot === -1 ? '' : path.slice(0, dot);
    fields.set(parent, [...(fields.get(parent) ?? []), path.slice(dot + 1)]);
  }
  return Object.fromEntries(fields);
}

/** 0.25 → "25", without the float noise of 0.07 × 100. */
const percentText = (fraction: number) => String(Number((fraction * 100).toPrecision(12)));

function toFormAction(action: FilterAction): FormAction | undefined {
  switch (action.type) {
    case 'DROP':
      return { type: 'DROP' };
    case 'SAMPLE':
      return { type: 'SAMPLE', percent: percentText(action.percent), path: action.path ?? '' };
    default: {
      const fields = fieldsText(action.fields);
      return fields === undefined ? undefined : { type: action.type, fields };
    }
  }
}

/** The form of saved filters, or undefined when some action cannot be shown (the list opens as JSON). */
export function toFormFilters(filters: readonly DestinationFilter[]): FormFilter[] | undefined {
  const form: FormFilter[] = [];
  for (const filter of filters) {
    const actions = filter.actions.map(toFormAction);
    if (actions.some((action) => action === undefined)) return undefined;
    const condition = fqlToCondition(filter.if);
    form.push({
      key: newKey(),
      condition:
        condition === undefined
          ? { mode: 'fql', text: filter.if }
          : { mode: 'builder', value: condition, original: filter.if },
      actions: actions as FormAction[],
    });
  }
  return form;
}

function fromFormAction(action: FormAction): FilterAction {
  switch (action.type) {
    case 'DROP':
      return { type: 'DROP' };
    case 'SAMPLE': {
      const percent = Number(action.percent.trim());
      if (action.percent.trim() === '' || !(percent >= 0 && percent <= 100))
        throw new ConditionError('The sample percentage must be a number from 0 to 100');
      const path = action.path.trim();
      return { type: 'SAMPLE', percent: percent / 100, ...(path === '' ? {} : { path }) };
    }
    default:
      return { type: action.type, fields: parseFieldsText(action.fields) };
  }
}

/**
 * The `if` a form filter saves. Rows read from saved FQL write that FQL back unchanged until they are
 * edited, so opening and saving never rewrites a filter someone typed (spacing, quoting, order).
 */
export function formFilterFql(condition: FormFilter['condition']): string {
  if (condition.mode === 'fql') return condition.text.trim();
  const { value, original } = condition;
  if (original !== undefined && JSON.stringify(fqlToCondition(original)) === JSON.stringify(value))
    return original;
  return conditionToFql(value);
}

/** The API's filter for a form filter; throws ConditionError naming what is incomplete. */
export function fromFormFilter(filter: FormFilter): DestinationFilter {
  const condition = formFilterFql(filter.condition);
  if (condition === '') throw new ConditionError('Enter an FQL condition, or "all"');
  if (filter.actions.length === 0) throw new ConditionError('Add an action');
  return { if: condition, actions: filter.actions.map(fromFormAction) };
}

/** Enough of the API's shape for the form to read (the server checks the rest when saving). */
export function isFilterList(value: unknown): value is DestinationFilter[] {
  const isObject = (item: unknown): item is Record<string, unknown> =>
    typeof item === 'object' && item !== null && !Array.isArray(item);
  return (
    Array.isArray(value) &&
    value.every(
      (filter) =>
        isObject(filter) &&
        typeof filter.if === 'string' &&
        Array.isArray(filter.actions) &&
        filter.actions.every(
          (action) =>
            isObject(action) &&
            (action.type === 'DROP' ||
              (action.type === 'SAMPLE' && typeof action.percent === 'number') ||
              ((action.type === 'DROP_PROPERTIES' || action.type === 'ALLOW_PROPERTIES') &&
                isObject(action.fields) &&
                Object.values(action.fields).every(
                  (names) => Array.isArray(names) && names.every((name) => typeof name === 'string'),
                ))),
        ),
    )
  );
}

/** Every filter of the form, or the first problem as "Filter 2: …". */
export function fromFormFilters(filters: readonly FormFilter[]): DestinationFilter[] {
  return filters.map((filter, index) => {
    try {
      return fromFormFilter(filter);
    } catch (error) {
      if (error instanceof ConditionError) throw new ConditionError(`Filter ${index + 1}: ${error.message}`);
      throw error;
    }
  });
}
