// The Segment Spec as Switchyard stores and hands it to functions.

/** Types a client may send. `delete` is produced by user-deletion requests, never by clients. */
export const CLIENT_EVENT_TYPES = ['identify', 'track', 'page', 'screen', 'group', 'alias'] as const;
export type ClientEventType = (typeof CLIENT_EVENT_TYPES)[number];
export type EventType = ClientEventType | 'delete';

export type JsonObject = { [key: string]: unknown };

/** A normalised event: what is stored and what a function receives. */
export interface SegmentEvent extends JsonObject {
  type: EventType;
  messageId: string;
  userId?: string;
  anonymousId?: string;
  receivedAt: string;
  timestamp: string;
  originalTimestamp?: string;
  sentAt?: string;
  context?: JsonObject;
  integrations?: JsonObject;
  event?: string;
  name?: string;
  category?: string;
  properties?: JsonObject;
  traits?: JsonObject;
  groupId?: string;
  previousId?: string;
}

export function isClientEventType(value: unknown): value is ClientEventType {
  return typeof value === 'string' && (CLIENT_EVENT_TYPES as readonly string[]).includes(value);
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
