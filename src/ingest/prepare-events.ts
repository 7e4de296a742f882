import {
  type ClientEventType,
  type JsonObject,
  isClientEventType,
  isJsonObject,
} from '../spec/event-types.ts';
import { MAX_BATCH_EVENTS, MAX_EVENT_BYTES } from '../spec/limits.ts';
import { normaliseEvent } from '../spec/normalise-event.ts';
import { type EventProblem, validateEvent } from '../spec/validate-event.ts';
import type { EventRow } from '../store/store.ts';
import { trackingError } from './decode-body.ts';

export interface RejectedEvent {
  readonly index: number;
  readonly code: EventProblem['code'];
  readonly message: string;
}

export interface PreparedEvents {
  readonly rows: EventRow[];
  readonly rejected: RejectedEvent[];
}

export interface RequestFacts {
  readonly sourceId: string;
  readonly receivedAt: number;
  readonly ip: string | undefined;
}

/** A single-event route: the event is valid and stored, or the request is a 400 naming the problem. */
export function prepareSingle(body: unknown, type: ClientEventType, facts: RequestFacts): EventRow {
  const result = prepareOne(body, type, facts, {});
  if ('code' in result) throw trackingError(400, result.code, result.message);
  return result;
}

/**
 * A batch: the valid items are stored and the invalid ones listed by index and reason. A batch that is not a
 * list, is empty, or has more than 2,500 items is refused whole.
 */
export function prepareBatch(body: unknown, facts: RequestFacts): PreparedEvents {
  if (!isJsonObject(body) || !Array.isArray(body.batch)) {
    throw trackingError(400, 'invalid_batch', 'the body must be an object with a "batch" array');
  }
  const items: unknown[] = body.batch;
  if (items.length === 0) throw trackingError(400, 'empty_batch', 'the batch has no events');
  if (items.length > MAX_BATCH_EVENTS) {
    throw trackingError(
      400,
      'batch_too_large',
      `the batch has ${items.length} events; at most ${MAX_BATCH_EVENTS} are allowed`,
    );
  }
  const shared: BatchLevel = {
    batchContext: isJsonObject(body.context) ? body.context : undefined,
    batchIntegrations: isJsonObject(body.integrations) ? body.integrations : undefined,
    batchSentAt: typeof body.sentAt === 'string' ? body.sentAt : undefined,
  };
  const rows: EventRow[] = [];
  const rejected: RejectedEvent[] = [];
  items.forEach((item, index) => {
    const type = isJsonObject(item) ? item.type : undefined;
    if (!isClientEventType(type)) {
      const message = `type must be one of identify, track, page, screen, group, alias; got ${JSON.stringify(type) ?? 'none'}`;
      rejected.push({ index, code: 'invalid_type', message });
      return;
    }
    const result = prepareOne(item, type, facts, shared);
    if ('code' in result) rejected.push({ index, ...result });
    else rows.push(result);
  });
  return { rows, rejected };
}

interface BatchLevel {
  readonly batchContext?: JsonObject | undefined;
  readonly batchIntegrations?: JsonObject | undefined;
  readonly batchSentAt?: string | undefined;
}

function prepareOne(
  raw: unknown,
  type: ClientEventType,
  facts: RequestFacts,
  shared: BatchLevel,
): EventRow | EventProblem {
  const problem = validateEvent(raw, type);
  if (problem !== undefined) return problem;
  const event = normaliseEvent(raw as JsonObject, {
    type,
    receivedAt: facts.receivedAt,
    ip: facts.ip,
    ...shared,
  });
  const body = JSON.stringify(event);
  // body.length ≤ bytes ≤ 3 × length for UTF-16 → UTF-8, so most events skip the exact count.
  if (
    body.length > MAX_EVENT_BYTES ||
    (body.length * 3 > MAX_EVENT_BYTES && Buffer.byteLength(body) > MAX_EVENT_BYTES)
  ) {
    return {
      code: 'event_too_large',
      message: `the event is ${Math.ceil(Buffer.byteLength(body) / 1024)} KB; at most ${MAX_EVENT_BYTES / 1024} KB is allowed`,
    };
  }
  const integrations = isJsonObject(event.integrations) ? event.integrations : undefined;
  return {
    sourceId: facts.sourceId,
    messageId: event.messageId,
    type,
    userId: event.userId ?? null,
    anonymousId: event.anonymousId ?? null,
    receivedAt: facts.receivedAt,
    body,
    // Most clients send "integrations": {} with every event; saying so spares routing a parse per event.
    integrations: integrations === undefined || Object.keys(integrations).length === 0 ? null : integrations,
  };
}
