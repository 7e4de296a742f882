import { randomUUID } from 'node:crypto';
import { type ClientEventType, type JsonObject, type SegmentEvent, isJsonObject } from './event-types.ts';

export interface NormaliseOptions {
  readonly type: ClientEventType;
  /** Server clock when the request arrived, in epoch ms. */
  readonly receivedAt: number;
  /** Batch-level context, integrations and sentAt, merged into each item (item fields win). */
  readonly batchContext?: JsonObject | undefined;
  readonly batchIntegrations?: JsonObject | undefined;
  readonly batchSentAt?: string | undefined;
  /** The caller's address, stored as context.ip when the event has none (as Segment does). */
  readonly ip?: string | undefined;
}

const ID_FIELDS = ['userId', 'anonymousId', 'groupId', 'previousId'] as const;

/**
 * Turns a validated raw event into the stored form, as Segment's tracking API does: type from the route,
 * a messageId when absent, receivedAt from the server clock, timestamp corrected for client clock skew,
 * batch-level context and integrations merged in, and no writeKey.
 */
export function normaliseEvent(raw: JsonObject, options: NormaliseOptions): SegmentEvent {
  // Object.assign, not {...raw}: on Node 20's V8 a spread's copy is slow to add properties to (~1 µs each),
  // and receivedAt, timestamp and the rest are added below, for every event.
  const event: JsonObject = Object.assign({}, raw);
  delete event.writeKey;
  event.type = options.type;

  for (const field of ID_FIELDS) {
    const value = event[field];
    if (typeof value === 'number') event[field] = String(value);
    else if (value === null || value === '') delete event[field];
  }
  if (typeof event.messageId !== 'string' || event.messageId === '') event.messageId = `api-${randomUUID()}`;

  const context = mergeObjects(options.batchContext, raw.context);
  if (options.ip !== undefined && context?.ip === undefined) {
    // Object.assign: on this V8 a property added after a spread costs about a microsecond per event.
    event.context = Object.assign({}, context, { ip: options.ip });
  } else if (context !== undefined) {
    event.context = context;
  }
  const integrations = mergeObjects(options.batchIntegrations, raw.integrations);
  if (integrations !== undefined) event.integrations = integrations;

  Object.assign(event, timestamps(raw, options));
  return event as SegmentEvent;
}

function mergeObjects(batchLevel: JsonObject | undefined, own: unknown): JsonObject | undefined {
  const mine = isJsonObject(own) ? own : undefined;
  if (batchLevel === undefined) return mine;
  return Object.assign({}, batchLevel, mine);
}

/**
 * originalTimestamp is the client's clock (analytics-node sends it as `timestamp`). When the client also
 * sent sentAt, timestamp = receivedAt − (sentAt − originalTimestamp) removes its clock skew. A timestamp
 * without sentAt is kept as given (historical imports); with neither, timestamp is the server time.
 */
function timestamps(raw: JsonObject, options: NormaliseOptions): JsonObject {
  const receivedAt = receivedIso(options.receivedAt);
  let originalText = raw.originalTimestamp;
  let original = timeOf(originalText);
  if (original === undefined) {
    originalText = raw.timestamp;
    original = timeOf(originalText);
  }
  let sentAtText: unknown = raw.sentAt;
  let sentAt = timeOf(sentAtText);
  if (sentAt === undefined) {
    sentAtText = options.batchSentAt;
    sentAt = batchTime(options.batchSentAt);
  }
  const originalIso = original === undefined ? undefined : isoOf(originalText, original);
  const out: JsonObject = { receivedAt };
  if (originalIso !== undefined) out.originalTimestamp = originalIso;
  if (sentAt !== undefined) out.sentAt = isoOf(sentAtText, sentAt);

  if (original !== undefined && sentAt !== undefined) {
    const corrected = new Date(options.receivedAt - (sentAt - original));
    // Absurd clocks can push the result outside the Date range; the server time is the honest answer then.
    out.timestamp = Number.isNaN(corrected.getTime()) ? receivedAt : corrected.toISOString();
  } else {
    // The client's timestamp as given, else its originalTimestamp (already read when it was the same field).
    const given = originalText === raw.timestamp ? undefined : timeOf(raw.timestamp);
    out.timestamp = given === undefined ? (originalIso ?? receivedAt) : isoOf(raw.timestamp, given);
  }
  return out;
}

/** Epoch ms of a date string as Date reads it, or undefined. */
function timeOf(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : time;
}

/**
 * What toISOString writes, for years 0–9999, with a day and an hour that Date does not carry over (it reads
 * Feb 30 as Mar 1, and 24:00 as the next day). Clients send this form (analytics.js and analytics-node
 * call toISOString), so their strings are kept as they are: formatting each again took ~1 µs an event.
 */
const CANONICAL = /^\d{4}-\d{2}-(?:[01]\d|2[0-8])T(?:[01]\d|2[0-3]):\d{2}:\d{2}\.\d{3}Z$/;

/** The ISO form of `text`, which Date read as `time`. */
function isoOf(text: unknown, time: number): string {
  return typeof text === 'string' && CANONICAL.test(text) ? text : new Date(time).toISOString();
}

/** `work` remembering its last answer: every event of a batch shares its receivedAt and sentAt. */
function lastOf<A, R>(work: (argument: A) => R): (argument: A) => R {
  let last: { argument: A; result: R } | undefined;
  return (argument) => {
    if (last === undefined || last.argument !== argument) last = { argument, result: work(argument) };
    return last.result;
  };
}

const receivedIso = lastOf((ms: number) => new Date(ms).toISOString());
const batchTime = lastOf(timeOf);
