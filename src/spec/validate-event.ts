import { type ClientEventType, isJsonObject } from './event-types.ts';
import { MAX_MESSAGE_ID_LENGTH } from './limits.ts';

export interface EventProblem {
  readonly code: 'invalid_event' | 'missing_id' | 'missing_field' | 'event_too_large' | 'invalid_type';
  readonly message: string;
}

const ID_FIELDS = ['userId', 'anonymousId', 'groupId', 'previousId'] as const;
const OBJECT_FIELDS = ['context', 'integrations', 'properties', 'traits'] as const;
const STRING_FIELDS = ['event', 'name', 'category', 'messageId'] as const;
const TIME_FIELDS = ['timestamp', 'originalTimestamp', 'sentAt'] as const;

/**
 * Checks one raw event against the Segment Spec for `type`. Returns the first problem, or undefined.
 * Segment itself answers 200 and silently drops most of these; Switchyard says why instead.
 */
export function validateEvent(raw: unknown, type: ClientEventType): EventProblem | undefined {
  if (!isJsonObject(raw)) return { code: 'invalid_event', message: 'an event must be a JSON object' };

  for (const field of ID_FIELDS) {
    const value = raw[field];
    if (value === undefined || value === null) continue;
    // Segment accepts numeric ids and stores them as strings.
    if (typeof value !== 'string' && !(typeof value === 'number' && Number.isFinite(value))) {
      return typeError(field, 'a string');
    }
  }
  for (const field of OBJECT_FIELDS) {
    const value = raw[field];
    if (value !== undefined && value !== null && !isJsonObject(value)) return typeError(field, 'an object');
  }
  for (const field of STRING_FIELDS) {
    const value = raw[field];
    if (value !== undefined && value !== null && typeof value !== 'string')
      return typeError(field, 'a string');
  }
  for (const field of TIME_FIELDS) {
    const value = raw[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) {
      return typeError(field, 'an ISO-8601 date string');
    }
  }
  if (typeof raw.messageId === 'string' && raw.messageId.length > MAX_MESSAGE_ID_LENGTH) {
    return {
      code: 'invalid_event',
      message: `messageId is ${raw.messageId.length} characters; at most ${MAX_MESSAGE_ID_LENGTH} are allowed`,
    };
  }
  if (!hasId(raw.userId) && !hasId(raw.anonymousId)) {
    return { code: 'missing_id', message: 'userId or anonymousId is required' };
  }
  if (type === 'track' && !hasId(raw.event)) {
    return { code: 'missing_field', message: 'event is required for track calls' };
  }
  if (type === 'group' && !hasId(raw.groupId)) {
    return { code: 'missing_field', message: 'groupId is required for group calls' };
  }
  if (type === 'alias' && !hasId(raw.previousId)) {
    return { code: 'missing_field', message: 'previousId is required for alias calls' };
  }
  return undefined;
}

function hasId(value: unknown): boolean {
  return (typeof value === 'string' && value !== '') || typeof value === 'number';
}

function typeError(field: string, expected: string): EventProblem {
  return { code: 'invalid_type', message: `${field} must be ${expected}` };
}
