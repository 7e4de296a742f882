import {
  FILTER_ACTION_TYPES,
  MAX_FILTERS,
  type DestinationFilter,
  type FilterAction,
  type FilterActionType,
} from './filter-types.ts';
import { parseFql } from './fql-parser.ts';
import { FqlSyntaxError } from './fql-syntax-error.ts';
import { isRecord, splitFieldPath, type JsonRecord } from './read-path.ts';

/** A filter list that cannot be saved. `field` locates the fault, e.g. "[2].if" or "[0].actions[1].percent". */
export class FilterValidationError extends Error {
  override name = 'FilterValidationError';
  readonly field: string;

  constructor(field: string, problem: string) {
    super(field === '' ? problem : `${field}: ${problem}`);
    this.field = field;
  }
}

const fail = (field: string, problem: string): never => {
  throw new FilterValidationError(field, problem);
};

/** Rejects keys we do not know, so a typo such as `percentage` is reported instead of ignored. */
function onlyKeys(object: JsonRecord, allowed: readonly string[], field: string): void {
  const unknown = Object.keys(object).find((key) => !allowed.includes(key));
  if (unknown !== undefined) fail(field, `unknown key ${JSON.stringify(unknown)}`);
}

function validateIf(value: unknown, field: string): string {
  if (typeof value !== 'string') return fail(field, 'must be a string (an FQL expression or "all")');
  if (value === 'all') return value;
  try {
    parseFql(value);
  } catch (error) {
    if (error instanceof FqlSyntaxError) return fail(field, error.message);
    throw error;
  }
  return value;
}

/** Keys are written as `fields["context.traits"]` because they contain dots and may be "". */
function validateFields(value: unknown, field: string): Record<string, string[]> {
  if (!isRecord(value)) return fail(field, 'must be an object mapping paths to lists of property names');
  const fields: Record<string, string[]> = {};
  for (const [path, names] of Object.entries(value)) {
    const at = `${field}[${JSON.stringify(path)}]`;
    if (splitFieldPath(path) === undefined) fail(at, 'path has an empty segment');
    if (!Array.isArray(names)) return fail(at, 'must be an array of property names');
    names.forEach((name: unknown, index) => {
      if (typeof name !== 'string' || name === '') fail(`${at}[${index}]`, 'must be a non-empty string');
    });
    Object.defineProperty(fields, path, {
      value: [...(names as string[])],
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return fields;
}

function validateAction(value: unknown, field: string): FilterAction {
  if (!isRecord(value)) return fail(field, 'must be an object');
  const type = value.type;
  if (typeof type !== 'string' || !FILTER_ACTION_TYPES.includes(type as FilterActionType)) {
    return fail(`${field}.type`, `must be one of ${FILTER_ACTION_TYPES.join(', ')}`);
  }
  switch (type as FilterActionType) {
    case 'DROP':
      onlyKeys(value, ['type'], field);
      return { type: 'DROP' };
    case 'DROP_PROPERTIES':
    case 'ALLOW_PROPERTIES':
      onlyKeys(value, ['type', 'fields'], field);
      return {
        type: type as 'DROP_PROPERTIES' | 'ALLOW_PROPERTIES',
        fields: validateFields(value.fields, `${field}.fields`),
      };
    case 'SAMPLE': {
      onlyKeys(value, ['type', 'percent', 'path'], field);
      const { percent, path } = value;
      if (typeof percent !== 'number' || !Number.isFinite(percent) || percent < 0 || percent > 1) {
        return fail(`${field}.percent`, 'must be a number from 0 to 1');
      }
      if (path === undefined) return { type: 'SAMPLE', percent };
      if (typeof path !== 'string' || path === '' || splitFieldPath(path) === undefined) {
        return fail(`${field}.path`, 'must be a dotted path such as "userId"');
      }
      return { type: 'SAMPLE', percent, path };
    }
  }
}

function validateFilter(value: unknown, field: string): DestinationFilter {
  if (!isRecord(value)) return fail(field, 'must be an object with "if" and "actions"');
  onlyKeys(value, ['if', 'actions'], field);
  const condition = validateIf(value.if, `${field}.if`);
  const actions = value.actions;
  if (!Array.isArray(actions) || actions.length === 0) {
    return fail(`${field}.actions`, 'must be a non-empty array');
  }
  return {
    if: condition,
    actions: actions.map((action: unknown, index) => validateAction(action, `${field}.actions[${index}]`)),
  };
}

/**
 * Checks a destination's whole filter list before it is saved and returns a clean copy. Segment drops
 * events whose FQL does not parse; rejecting the filter here, with the position, is kinder. A failure
 * at the top level of the list has field "".
 */
export function validateFilters(input: unknown): DestinationFilter[] {
  if (!Array.isArray(input)) return fail('', 'filters must be an array');
  if (input.length > MAX_FILTERS) return fail('', `at most ${MAX_FILTERS} filters are allowed`);
  return input.map((filter: unknown, index) => validateFilter(filter, `[${index}]`));
}
