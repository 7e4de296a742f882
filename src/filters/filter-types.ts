/** One action of a destination filter, as in Segment's Destination Filters API. */
export type FilterAction =
  | { type: 'DROP' }
  /** `fields` maps an object path ("" is the top level) to the property names to remove there. */
  | { type: 'DROP_PROPERTIES'; fields: Record<string, string[]> }
  /** `fields` maps an object path to the only property names to keep there. */
  | { type: 'ALLOW_PROPERTIES'; fields: Record<string, string[]> }
  /** Keeps `percent` (0..1) of events; with `path`, the same value at that path always gets the same answer. */
  | { type: 'SAMPLE'; percent: number; path?: string };

export type FilterActionType = FilterAction['type'];

/** `if` is an FQL expression, or "all" to match every event. */
export interface DestinationFilter {
  if: string;
  actions: FilterAction[];
}

export const FILTER_ACTION_TYPES: readonly FilterActionType[] = [
  'DROP',
  'DROP_PROPERTIES',
  'ALLOW_PROPERTIES',
  'SAMPLE',
];

export const MAX_FILTERS = 100;

/**
 * Top-level fields that ALLOW_PROPERTIES on "" never removes, whatever the list says. Without them an
 * event can no longer be routed, deduplicated, attributed to a user or ordered in time, so an
 * allow-list written with only `properties` in mind would silently break delivery.
 */
export const PROTECTED_TOP_LEVEL_FIELDS: ReadonlySet<string> = new Set([
  'type',
  'messageId',
  'userId',
  'anonymousId',
  'timestamp',
  'receivedAt',
]);
