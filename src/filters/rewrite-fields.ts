import { PROTECTED_TOP_LEVEL_FIELDS } from './filter-types.ts';
import { isRecord, splitFieldPath, type JsonRecord } from './read-path.ts';

type Edit = (object: JsonRecord, atTopLevel: boolean) => JsonRecord;

/**
 * Applies `edit` to the object(s) at `segments`, copy-on-write: only containers on the way to a changed
 * object are copied, everything else is shared with the input, and the input is never mutated. When the
 * path crosses an array the rest of the path is applied to every element; elements are never removed.
 */
function rewriteAt(value: unknown, segments: readonly string[], depth: number, edit: Edit): unknown {
  if (Array.isArray(value)) {
    const items = value as unknown[];
    const rewritten = items.map((item) => rewriteAt(item, segments, depth, edit));
    return rewritten.every((item, index) => item === items[index]) ? value : rewritten;
  }
  if (!isRecord(value)) return value;
  const [head, ...rest] = segments;
  if (head === undefined) return edit(value, depth === 0);
  if (!Object.hasOwn(value, head)) return value;
  const child = value[head];
  const next = rewriteAt(child, rest, depth + 1, edit);
  // A computed key defines an own property even for "__proto__", so no prototype is ever replaced.
  return next === child ? value : { ...value, [head]: next };
}

function rewriteFields(
  event: JsonRecord,
  fields: Record<string, string[]>,
  edit: (object: JsonRecord, names: ReadonlySet<string>, atTopLevel: boolean) => JsonRecord,
): JsonRecord {
  let result = event;
  for (const [path, names] of Object.entries(fields)) {
    // validateFilters rejects malformed paths; an unvalidated one simply matches nothing.
    const segments = splitFieldPath(path);
    if (segments === undefined) continue;
    const nameSet = new Set(names);
    result = rewriteAt(result, segments, 0, (object, atTopLevel) =>
      edit(object, nameSet, atTopLevel),
    ) as JsonRecord;
  }
  return result;
}

function withoutKeys(object: JsonRecord, remove: (key: string) => boolean): JsonRecord {
  const keys = Object.keys(object);
  if (!keys.some(remove)) return object;
  const copy: JsonRecord = {};
  for (const key of keys) {
    // defineProperty rather than assignment: assigning an own "__proto__" key would set the prototype.
    if (!remove(key))
      Object.defineProperty(copy, key, {
        value: object[key],
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }
  return copy;
}

/** DROP_PROPERTIES: removes the named properties from the object(s) at each path. */
export function dropProperties(event: JsonRecord, fields: Record<string, string[]>): JsonRecord {
  return rewriteFields(event, fields, (object, names) => withoutKeys(object, (key) => names.has(key)));
}

/**
 * ALLOW_PROPERTIES: keeps only the named properties in the object(s) at each path. At the top level
 * the PROTECTED_TOP_LEVEL_FIELDS are always kept as well.
 */
export function allowProperties(event: JsonRecord, fields: Record<string, string[]>): JsonRecord {
  return rewriteFields(event, fields, (object, names, atTopLevel) =>
    withoutKeys(object, (key) => !names.has(key) && !(atTopLevel && PROTECTED_TOP_LEVEL_FIELDS.has(key))),
  );
}
