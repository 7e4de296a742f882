import { matchGlob } from './glob-match.ts';

// FQL's built-in functions. Every one is total: a missing path arrives as null and the function answers
// null, 0 or false rather than throwing, because a filter must never fail an event at delivery time.

type FqlFunction = { arity: number; call: (args: readonly unknown[]) => unknown };

export type FqlPrimitive = string | number | boolean | null;

export function isPrimitive(value: unknown): value is FqlPrimitive {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

/** `=` semantics: primitives of the same type and value. Objects and arrays never equal anything. */
export function strictEquals(a: unknown, b: unknown): boolean {
  return isPrimitive(a) && isPrimitive(b) && a === b;
}

/**
 * How a bare value used as a condition is judged, and what bool() returns. Strings "false" and "0"
 * count as false because that is how boolean flags arrive from form posts and CSV imports.
 */
export function truthy(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0 && !Number.isNaN(value);
  if (typeof value === 'string') {
    const normalised = value.trim().toLowerCase();
    return normalised !== '' && normalised !== 'false' && normalised !== '0';
  }
  return true;
}

function fqlTypeof(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'array';
  const type = typeof value;
  return type === 'string' || type === 'number' || type === 'boolean' ? type : 'object';
}

function toNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value !== 'string' || value.trim() === '') return null;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : null;
}

/** null stays null so `string(properties.missing) = "null"` cannot match by accident. */
function toString(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value) ?? null;
}

/** Splits "orderCompleted", "Order Completed", "order-completed" and "HTTPServer" into words. */
function words(value: string): string[] {
  return value
    .replace(/(\p{Ll}|\p{N})(\p{Lu})/gu, '$1 $2')
    .replace(/(\p{Lu})(\p{Lu}\p{Ll})/gu, '$1 $2')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== '');
}

function stringFunction(transform: (value: string) => string): FqlFunction {
  return { arity: 1, call: ([value]) => (typeof value === 'string' ? transform(value) : null) };
}

function contains(haystack: unknown, needle: unknown): boolean {
  if (typeof haystack === 'string') return typeof needle === 'string' && haystack.includes(needle);
  if (Array.isArray(haystack)) return haystack.some((item) => strictEquals(item, needle));
  return false;
}

function length(value: unknown): number {
  // Segment measures strings in UTF-8 bytes, matching what its payload size limits count.
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (Array.isArray(value)) return value.length;
  if (typeof value === 'object' && value !== null) return Object.keys(value).length;
  return 0;
}

const capitalise = (word: string): string => word.charAt(0).toUpperCase() + word.slice(1).toLowerCase();

export const FQL_FUNCTIONS = {
  contains: { arity: 2, call: ([haystack, needle]) => contains(haystack, needle) },
  length: { arity: 1, call: ([value]) => length(value) },
  lowercase: stringFunction((value) => value.toLowerCase()),
  uppercase: stringFunction((value) => value.toUpperCase()),
  snakecase: stringFunction((value) => words(value).join('_').toLowerCase()),
  kebabcase: stringFunction((value) => words(value).join('-').toLowerCase()),
  titlecase: stringFunction((value) => words(value).map(capitalise).join(' ')),
  typeof: { arity: 1, call: ([value]) => fqlTypeof(value) },
  match: {
    arity: 2,
    call: ([text, pattern]) =>
      typeof text === 'string' && typeof pattern === 'string' && matchGlob(text, pattern),
  },
  bool: { arity: 1, call: ([value]) => truthy(value) },
  string: { arity: 1, call: ([value]) => toString(value) },
  number: { arity: 1, call: ([value]) => toNumber(value) },
} satisfies Record<string, FqlFunction>;

export type FqlFunctionName = keyof typeof FQL_FUNCTIONS;

/** Own-property check, so names like "toString" or "constructor" are not mistaken for functions. */
export function isFqlFunctionName(name: string): name is FqlFunctionName {
  return Object.hasOwn(FQL_FUNCTIONS, name);
}
