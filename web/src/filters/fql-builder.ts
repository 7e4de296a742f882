// The condition builder's model and the FQL it generates. Only forms the server's parser accepts are written
// (src/filters/fql-parser.ts): comparisons, `in [...]`, `!`, contains() and match(), joined by and/or.
// fql-reader.ts turns such FQL back into this model; anything else stays raw FQL in the editor.

/** Where a condition looks: a top-level field, a field under properties/traits/context, or any path. */
export type FieldScope =
  'event' | 'type' | 'userId' | 'anonymousId' | 'properties' | 'traits' | 'context' | 'path';

export const FIELD_SCOPES: readonly { scope: FieldScope; label: string; named: boolean }[] = [
  { scope: 'event', label: 'Event name', named: false },
  { scope: 'type', label: 'Event type', named: false },
  { scope: 'userId', label: 'User ID', named: false },
  { scope: 'anonymousId', label: 'Anonymous ID', named: false },
  { scope: 'properties', label: 'Property', named: true },
  { scope: 'traits', label: 'Trait', named: true },
  { scope: 'context', label: 'Context field', named: true },
  { scope: 'path', label: 'Other field (path)', named: true },
];

/** What an operator compares against: free text, a comma-separated list, a number, or nothing. */
export type OperandKind = 'text' | 'list' | 'number' | 'none';

export const OPERATORS = {
  is: { label: 'is', operand: 'text' },
  is_not: { label: 'is not', operand: 'text' },
  one_of: { label: 'is one of', operand: 'list' },
  not_one_of: { label: 'is not one of', operand: 'list' },
  contains: { label: 'contains', operand: 'text' },
  not_contains: { label: 'does not contain', operand: 'text' },
  starts_with: { label: 'starts with', operand: 'text' },
  ends_with: { label: 'ends with', operand: 'text' },
  matches: { label: 'matches pattern (* ? [a-z])', operand: 'text' },
  exists: { label: 'exists', operand: 'none' },
  not_exists: { label: 'does not exist', operand: 'none' },
  is_true: { label: 'is true', operand: 'none' },
  is_false: { label: 'is false', operand: 'none' },
  eq: { label: '= (number)', operand: 'number' },
  ne: { label: '≠ (number)', operand: 'number' },
  gt: { label: '>', operand: 'number' },
  gte: { label: '≥', operand: 'number' },
  lt: { label: '<', operand: 'number' },
  lte: { label: '≤', operand: 'number' },
} as const satisfies Record<string, { label: string; operand: OperandKind }>;

export type Operator = keyof typeof OPERATORS;

export const NUMBER_OPERATORS = { eq: '=', ne: '!=', gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

export interface ConditionRow {
  scope: FieldScope;
  /** The field under the scope ("plan", "page.url"); unused for top-level scopes such as `event`. */
  name: string;
  operator: Operator;
  /** Text as typed: a number for number operators, comma-separated values for lists. */
  value: string;
}

export type Condition = { kind: 'all' } | { kind: 'rows'; combinator: 'and' | 'or'; rows: ConditionRow[] };

/** A row the builder cannot turn into FQL (an empty name, a number that is not one). */
export class ConditionError extends Error {
  override name = 'ConditionError';
}

const KEYWORDS = new Set(['and', 'or', 'in', 'true', 'false', 'null']);

export const blankRow = (): ConditionRow => ({ scope: 'event', name: '', operator: 'is', value: '' });

export const scopeIsNamed = (scope: FieldScope): boolean =>
  FIELD_SCOPES.find((entry) => entry.scope === scope)?.named ?? false;

/** The dotted segments a row reads: `properties` + "plan.tier" → properties, plan, tier. */
export function rowSegments(row: Pick<ConditionRow, 'scope' | 'name'>): string[] {
  if (!scopeIsNamed(row.scope)) return [row.scope];
  const segments = row.name.trim() === '' ? [] : row.name.trim().split('.');
  if (segments.length === 0 || segments.includes('')) {
    throw new ConditionError(
      row.scope === 'path'
        ? 'Enter a field path such as context.page.url'
        : `Enter a ${row.scope === 'context' ? 'context field' : row.scope.replace(/s$/, '')} name`,
    );
  }
  return row.scope === 'path' ? segments : [row.scope, ...segments];
}

/** A path in FQL: identifiers as they are, anything else escaped with `\` as the lexer reads it. */
export function fqlPath(segments: readonly string[]): string {
  return segments
    .map((segment, index) => {
      // After a dot an all-digit segment is an array index, written bare.
      if (index > 0 && /^\d+$/.test(segment)) return segment;
      const escaped = Array.from(segment)
        .map((char, i) => ((i === 0 ? /[A-Za-z_$]/ : /[A-Za-z0-9_$]/).test(char) ? char : `\\${char}`))
        .join('');
      // A lone `and` or `null` would read as a keyword; an escaped first letter makes it a field.
      return segments.length === 1 && KEYWORDS.has(segment) ? `\\${segment}` : escaped;
    })
    .join('.');
}

/** A string literal in FQL: quotes and backslashes escaped, control characters as \uXXXX. */
export function fqlString(value: string): string {
  let out = '"';
  for (const char of value) {
    if (char === '"' || char === '\\') out += `\\${char}`;
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (char === '\t') out += '\\t';
    else if (char < ' ') out += `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
    else out += char;
  }
  return `${out}"`;
}

/** Text that match() compares literally: its glob characters escaped. */
export function globLiteral(text: string): string {
  return text.replace(/[\\*?[\]]/g, (char) => `\\${char}`);
}

function fqlNumber(text: string): string {
  const value = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(value)) throw new ConditionError(`"${text}" is not a number`);
  return String(value);
}

/** The values of an "is one of" row: comma-separated, trimmed, empty ones left out. */
export function listValues(text: string): string[] {
  const values = text
    .split(',')
    .map((value) => value.trim())
    .filter((value) => value !== '');
  if (values.length === 0) throw new ConditionError('List at least one value, separated by commas');
  return values;
}

export function rowToFql(row: ConditionRow): string {
  const path = fqlPath(rowSegments(row));
  const text = fqlString(row.value);
  switch (row.operator) {
    case 'is':
      return `${path} = ${text}`;
    case 'is_not':
      return `${path} != ${text}`;
    case 'one_of':
    case 'not_one_of': {
      const list = `${path} in [${listValues(row.value).map(fqlString).join(', ')}]`;
      return row.operator === 'one_of' ? list : `!(${list})`;
    }
    case 'contains':
      return `contains(${path}, ${text})`;
    case 'not_contains':
      return `!contains(${path}, ${text})`;
    case 'starts_with':
      return `match(${path}, ${fqlString(`${globLiteral(row.value)}*`)})`;
    case 'ends_with':
      return `match(${path}, ${fqlString(`*${globLiteral(row.value)}`)})`;
    case 'matches':
      return `match(${path}, ${text})`;
    case 'exists':
      return `${path} != null`;
    case 'not_exists':
      return `${path} = null`;
    case 'is_true':
      return `${path} = true`;
    case 'is_false':
      return `${path} = false`;
    default:
      return `${path} ${NUMBER_OPERATORS[row.operator]} ${fqlNumber(row.value)}`;
  }
}

/** The `if` of a filter: "all", or the rows joined by and/or. Throws ConditionError for an incomplete row. */
export function conditionToFql(condition: Condition): string {
  if (condition.kind === 'all') return 'all';
  if (condition.rows.length === 0) throw new ConditionError('Add a condition, or match all events');
  return condition.rows.map(rowToFql).join(` ${condition.combinator} `);
}
