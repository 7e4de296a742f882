// What a Switchyard destination function can use: Segment's event shapes per handler, the runtime's globals.

interface SegmentContext {
  ip?: string;
  library?: { name: string; version: string };
  userAgent?: string;
  locale?: string;
  page?: { path?: string; referrer?: string; search?: string; title?: string; url?: string };
  campaign?: { name?: string; source?: string; medium?: string; term?: string; content?: string };
  traits?: Record<string, any>;
  [key: string]: any;
}

interface SegmentEvent {
  type: 'track' | 'identify' | 'group' | 'page' | 'screen' | 'alias' | 'delete';
  messageId: string;
  timestamp: string;
  receivedAt?: string;
  sentAt?: string;
  originalTimestamp?: string;
  userId?: string | null;
  anonymousId?: string | null;
  context?: SegmentContext;
  integrations?: Record<string, boolean | Record<string, any>>;
}

/** https://segment.com/docs/connections/spec/track/ */
interface SegmentTrackEvent extends SegmentEvent {
  type: 'track';
  /** The action, e.g. "Order Completed". */
  event: string;
  properties: Record<string, any>;
}
/** https://segment.com/docs/connections/spec/identify/ */
interface SegmentIdentifyEvent extends SegmentEvent {
  type: 'identify';
  traits: Record<string, any>;
}
/** https://segment.com/docs/connections/spec/group/ */
interface SegmentGroupEvent extends SegmentEvent {
  type: 'group';
  groupId: string;
  traits: Record<string, any>;
}
/** https://segment.com/docs/connections/spec/page/ */
interface SegmentPageEvent extends SegmentEvent {
  type: 'page';
  name?: string;
  category?: string;
  properties: Record<string, any>;
}
/** https://segment.com/docs/connections/spec/screen/ */
interface SegmentScreenEvent extends SegmentEvent {
  type: 'screen';
  name?: string;
  properties: Record<string, any>;
}
/** https://segment.com/docs/connections/spec/alias/ */
interface SegmentAliasEvent extends SegmentEvent {
  type: 'alias';
  previousId: string;
}
/** A user deletion (POST /api/v1/regulations): delete what the destination holds about event.userId. */
interface SegmentDeleteEvent extends SegmentEvent {
  type: 'delete';
}

/** Any event a source sends: what `onBatch(events, settings)` receives a list of. */
type SegmentAnyEvent =
  | SegmentTrackEvent
  | SegmentIdentifyEvent
  | SegmentGroupEvent
  | SegmentPageEvent
  | SegmentScreenEvent
  | SegmentAliasEvent
  | SegmentDeleteEvent;

/**
 * The batch handler, when the function defines one: annotate it with
 * `@param {SegmentAnyEvent[]} events` and `@param {FunctionSettings} settings`.
 */
type SegmentBatchHandler = (events: SegmentAnyEvent[], settings: FunctionSettings) => Promise<unknown>;

/** Throw to have the event retried (9 more times over about 4 hours). */
declare class RetryError extends Error {}
/** Throw when the event's payload is not what the function needs: discarded, category message_rejected. */
declare class InvalidEventPayload extends Error {}
/** Throw when the event is not valid for this API: discarded, category message_rejected. */
declare class ValidationError extends Error {}
/** Throw for an event type the function does not handle: discarded, unsupported_event_type. */
declare class EventNotSupported extends Error {}

interface HeadersInit_ {
  [name: string]: string;
}
declare class Headers {
  constructor(init?: HeadersInit_ | [string, string][] | Headers);
  get(name: string): string | null;
  set(name: string, value: string): void;
  append(name: string, value: string): void;
  has(name: string): boolean;
  delete(name: string): void;
  forEach(callback: (value: string, name: string) => void): void;
  entries(): IterableIterator<[string, string]>;
}
interface RequestInit {
  method?: string;
  headers?: HeadersInit_ | [string, string][] | Headers;
  body?: string | Uint8Array | URLSearchParams | null;
  redirect?: 'follow' | 'manual' | 'error';
}
declare class Response {
  readonly ok: boolean;
  readonly status: number;
  readonly statusText: string;
  readonly headers: Headers;
  readonly url: string;
  readonly redirected: boolean;
  json(): Promise<any>;
  text(): Promise<string>;
  arrayBuffer(): Promise<ArrayBuffer>;
}
declare class Request {
  constructor(input: string | URL, init?: RequestInit);
  readonly url: string;
  readonly method: string;
  readonly headers: Headers;
}
/** HTTP(S) requests from the function: every request and response shows in the test output and Event Delivery. */
declare function fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
declare class URLSearchParams {
  constructor(init?: string | Record<string, string> | [string, string][]);
  append(name: string, value: string): void;
  get(name: string): string | null;
  set(name: string, value: string): void;
  toString(): string;
}
declare class URL {
  constructor(url: string, base?: string);
  href: string;
  origin: string;
  protocol: string;
  host: string;
  hostname: string;
  port: string;
  pathname: string;
  search: string;
  hash: string;
  readonly searchParams: URLSearchParams;
  toString(): string;
}
declare function btoa(data: string): string;
declare function atob(data: string): string;
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare class TextDecoder {
  constructor(label?: string);
  decode(input?: Uint8Array | ArrayBuffer): string;
}
interface BufferLike extends Uint8Array {
  toString(encoding?: 'utf8' | 'base64' | 'hex' | 'base64url'): string;
}
declare const Buffer: {
  from(
    value: string | ArrayBuffer | Uint8Array | number[],
    encoding?: 'utf8' | 'base64' | 'hex' | 'base64url',
  ): BufferLike;
  concat(parts: Uint8Array[]): BufferLike;
};
interface Hash {
  update(data: string | Uint8Array, encoding?: string): Hash;
  digest(encoding?: 'hex' | 'base64' | 'base64url'): string;
}
declare const crypto: {
  createHash(algorithm: 'sha1' | 'sha256' | 'sha512' | 'md5' | string): Hash;
  createHmac(algorithm: 'sha1' | 'sha256' | 'sha512' | 'md5' | string, key: string | Uint8Array): Hash;
  randomUUID(): string;
  getRandomValues<T extends Uint8Array | Uint16Array | Uint32Array>(array: T): T;
};
/** Values kept between invocations in one warm instance, e.g. an access token until it expires. */
declare const cache: {
  load<T>(key: string, ttlMs: number, loader: () => T | Promise<T>): Promise<T>;
  delete(key: string): void;
};
declare const console: {
  log(...args: any[]): void;
  info(...args: any[]): void;
  warn(...args: any[]): void;
  error(...args: any[]): void;
  debug(...args: any[]): void;
};
declare function setTimeout(callback: (...args: any[]) => void, ms?: number, ...args: any[]): number;
declare function clearTimeout(id: number | undefined): void;
/** lodash 4 */
declare const _: any;
