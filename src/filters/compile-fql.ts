import type { FqlExpression } from './fql-ast.ts';
import { parseFql } from './fql-parser.ts';

const CACHE_LIMIT = 1_000;
const cache = new Map<string, FqlExpression>();

/**
 * parseFql with a cache keyed by source, so filtering a stream of events parses each filter once.
 * The AST is shared between callers and must be treated as read-only. When full, the oldest entry
 * goes: destinations have a handful of filters, so the working set is far below the limit.
 */
export function compileFql(source: string): FqlExpression {
  const cached = cache.get(source);
  if (cached !== undefined) return cached;
  const expression = parseFql(source);
  if (cache.size >= CACHE_LIMIT) {
    const oldest = cache.keys().next();
    if (oldest.done !== true) cache.delete(oldest.value);
  }
  cache.set(source, expression);
  return expression;
}
