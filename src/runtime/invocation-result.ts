import type { CapturedRequest } from './fetch/captured-request.ts';

/** Segment's outcomes; `dead` is the pipeline's, after retries run out. */
export type InvocationStatus = 'delivered' | 'retry' | 'discarded';
/** Segment's Event Delivery categories (segment-behaviour.md), in the API's spelling. */
export type Category =
  'bad_request' | 'invalid_settings' | 'message_rejected' | 'unsupported_event_type' | 'retry';

export interface InvocationError {
  readonly name: string;
  readonly message: string;
  /** Only the user's own frames (function.js), never the runtime's or the host's. */
  readonly stack?: string | undefined;
  readonly line?: number | undefined;
  readonly column?: number | undefined;
}

export interface LogLine {
  readonly level: string;
  readonly message: string;
}

/** The settled outcome of one event inside an onBatch call. */
export interface EventResult {
  readonly status: InvocationStatus;
  readonly category?: Category | undefined;
  readonly error?: InvocationError | undefined;
}

export interface InvocationResult {
  readonly status: InvocationStatus;
  readonly category?: Category | undefined;
  readonly error?: InvocationError | undefined;
  readonly logs: readonly LogLine[];
  /** console lines dropped past the per-invocation cap. */
  readonly droppedLogs: number;
  readonly requests: readonly CapturedRequest[];
  readonly durationMs: number;
  readonly cpuMs: number;
  /** The invocation had to compile the code first. */
  readonly coldStart: boolean;
  /** When the function retried after a 429 with Retry-After: how long the destination asked to wait. */
  readonly retryAfterMs?: number | undefined;
  /** onBatch only: one result per event, in the order given. */
  readonly events?: readonly EventResult[] | undefined;
  /** Answered without running the function (its event was deleted, the platform failed): no duration. */
  readonly notRun?: true | undefined;
}
