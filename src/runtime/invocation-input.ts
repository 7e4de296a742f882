// What an invocation is given, and which handler it calls: the event's type picks it (Segment's handler
// names), onBatch for several events; an input no handler can take is settled without the isolate.
import { classify } from './classify.ts';
import type { InvocationOutcome } from './invocation-outcome.ts';
import type { HandlerName } from './sandbox/prelude-source.ts';

export type InvocationInput =
  | { readonly event: unknown }
  | { readonly events: readonly unknown[] }
  // Stored events as they are: the JSON goes into the isolate without a parse and stringify on the way
  // (nor a parse to find the handler, when the store knows the event's type).
  | { readonly eventJson: string; readonly type?: string }
  | { readonly eventsJson: readonly string[] }
  // Stored deliveries, by id, for an invoker that reads the store itself (Invoker.readsStore: invoker
  // processes on SQLite), so that the events' JSON never crosses the IPC channel. That process turns them
  // into the inputs above (stored-events.ts) before they reach the runtime.
  | { readonly delivery: number }
  | { readonly deliveries: readonly number[] };

const HANDLERS: Record<string, HandlerName> = {
  identify: 'onIdentify',
  track: 'onTrack',
  page: 'onPage',
  screen: 'onScreen',
  group: 'onGroup',
  alias: 'onAlias',
  delete: 'onDelete',
};

/** The handler and payload for an input, or why it cannot run (settled without the isolate). */
export function callOf(
  input: InvocationInput,
  batch: boolean,
): { handler: HandlerName; payload: string } | { outcome: Omit<InvocationOutcome, 'durationMs'> } {
  const notRunnable = (name: string, message: string) => ({
    outcome: {
      raw: {},
      verdict: classify({ errorName: name }),
      error: { name, message },
      requests: [],
      cold: false,
    },
  });
  if ('delivery' in input || 'deliveries' in input) {
    const error = { name: 'Error', message: 'this runtime does not read stored events' };
    return {
      outcome: { raw: {}, verdict: classify({ platformFault: true }), error, requests: [], cold: false },
    };
  }
  let payload: string;
  let type: string;
  try {
    ({ payload, type } = payloadOf(input));
  } catch (cause) {
    return notRunnable('InvalidEventPayload', `the event is not JSON: ${(cause as Error).message}`);
  }
  const handler = batch ? 'onBatch' : HANDLERS[type];
  if (handler === undefined)
    return notRunnable('EventNotSupported', `${type || 'an event without a type'} is not supported`);
  return { handler, payload };
}

/** The JSON the isolate parses, and the event's type (which picks the handler). */
function payloadOf(
  input: Exclude<InvocationInput, { delivery: number } | { deliveries: readonly number[] }>,
): { payload: string; type: string } {
  if ('events' in input) return { payload: JSON.stringify(input.events), type: 'batch' };
  if ('eventsJson' in input) return { payload: `[${input.eventsJson.join(',')}]`, type: 'batch' };
  if ('event' in input) return { payload: JSON.stringify(input.event), type: eventType(input.event) };
  return { payload: input.eventJson, type: input.type ?? eventType(JSON.parse(input.eventJson)) };
}

function eventType(event: unknown): string {
  return typeof event === 'object' && event !== null && typeof (event as { type?: unknown }).type === 'string'
    ? (event as { type: string }).type
    : '';
}
