import { compileFql } from './compile-fql.ts';
import { evaluateFql } from './evaluate-fql.ts';
import type { DestinationFilter, FilterAction } from './filter-types.ts';
import type { JsonRecord } from './read-path.ts';
import { allowProperties, dropProperties } from './rewrite-fields.ts';
import { keepsSample } from './sample-event.ts';

export interface ApplyFiltersOptions {
  /** Source for SAMPLE actions without a path; Math.random unless a test pins it. */
  random?: () => number;
}

export interface ApplyFiltersResult {
  /** The filtered event, or null when dropped. Unchanged parts are shared with the input. */
  event: JsonRecord | null;
  dropped?: { filterIndex: number; action: 'DROP' | 'SAMPLE' };
}

type Matched = { filterIndex: number; action: FilterAction };

/**
 * Runs a destination's filters over one event, in Segment's order: every `if` is evaluated against the
 * original event first, then across all matching filters come SAMPLE, then DROP, then DROP_PROPERTIES,
 * then ALLOW_PROPERTIES. So a later filter's `if` still sees properties an earlier filter removes, and a
 * DROP anywhere wins over property edits anywhere. The input event is never mutated.
 *
 * Filters are expected to have passed validateFilters; an `if` that does not parse throws FqlSyntaxError
 * rather than silently dropping events as Segment does.
 */
export function applyFilters(
  filters: readonly DestinationFilter[],
  event: JsonRecord,
  options: ApplyFiltersOptions = {},
): ApplyFiltersResult {
  const random = options.random ?? Math.random;
  const matched: Matched[] = [];
  filters.forEach((filter, filterIndex) => {
    if (filter.if !== 'all' && !evaluateFql(compileFql(filter.if), event)) return;
    for (const action of filter.actions) matched.push({ filterIndex, action });
  });

  for (const { filterIndex, action } of matched) {
    if (action.type === 'SAMPLE' && !keepsSample(event, action.percent, action.path, random)) {
      return { event: null, dropped: { filterIndex, action: 'SAMPLE' } };
    }
  }
  const drop = matched.find(({ action }) => action.type === 'DROP');
  if (drop !== undefined) return { event: null, dropped: { filterIndex: drop.filterIndex, action: 'DROP' } };

  let result = event;
  for (const { action } of matched) {
    if (action.type === 'DROP_PROPERTIES') result = dropProperties(result, action.fields);
  }
  for (const { action } of matched) {
    if (action.type === 'ALLOW_PROPERTIES') result = allowProperties(result, action.fields);
  }
  return { event: result };
}
