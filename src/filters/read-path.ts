export type JsonRecord = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const INDEX = /^\d+$/;

/**
 * The value at `segments` inside `root`, or null when any step is missing. Objects are read through
 * own properties only, so `properties.constructor` is null rather than Object's constructor; arrays
 * are read by all-digit segments only.
 */
export function readPath(root: unknown, segments: readonly string[]): unknown {
  let current = root;
  for (const segment of segments) {
    if (Array.isArray(current)) {
      if (!INDEX.test(segment)) return null;
      current = (current as unknown[])[Number(segment)];
    } else if (isRecord(current) && Object.hasOwn(current, segment)) {
      current = current[segment];
    } else {
      return null;
    }
    if (current === undefined) return null;
  }
  return current ?? null;
}

/**
 * Splits a dotted path as used in action config (`fields` keys, SAMPLE's `path`). "" is the top level.
 * Returns undefined for an empty segment ("a..b", ".a", "a."), which is always a typo.
 */
export function splitFieldPath(path: string): string[] | undefined {
  if (path === '') return [];
  const segments = path.split('.');
  return segments.includes('') ? undefined : segments;
}
