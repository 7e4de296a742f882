import type { Category, InvocationError, InvocationResult, InvocationStatus } from './invocation-result.ts';

export interface Classification {
  readonly status: InvocationStatus;
  readonly category?: Category;
}

/** The result of an invocation that never ran user code (bad settings, the platform could not run it). */
export function notRun(verdict: Classification, error: InvocationError): InvocationResult {
  return {
    ...verdict,
    error,
    logs: [],
    droppedLogs: 0,
    requests: [],
    durationMs: 0,
    cpuMs: 0,
    coldStart: false,
    notRun: true,
  };
}

/**
 * Segment's table (segment-behaviour.md): what a function did → outcome. The one place that decides.
 * - RetryError, a timeout, or a fault of the platform → retry
 * - InvalidEventPayload, ValidationError → discarded, message_rejected
 * - EventNotSupported or a missing handler → discarded, unsupported_event_type
 * - code that does not compile or load → discarded, invalid_settings
 * - anything else thrown (also a memory-limit breach) → discarded, bad_request
 */
export function classify(
  what:
    | { ok: true }
    | { errorName: string }
    | { timedOut: true }
    | { invalidCode: true }
    | { platformFault: true },
): Classification {
  if ('ok' in what) return { status: 'delivered' };
  if ('timedOut' in what || 'platformFault' in what) return { status: 'retry', category: 'retry' };
  if ('invalidCode' in what) return { status: 'discarded', category: 'invalid_settings' };
  switch (what.errorName) {
    case 'RetryError':
      return { status: 'retry', category: 'retry' };
    case 'InvalidEventPayload':
    case 'ValidationError':
      return { status: 'discarded', category: 'message_rejected' };
    case 'EventNotSupported':
      return { status: 'discarded', category: 'unsupported_event_type' };
    default:
      return { status: 'discarded', category: 'bad_request' };
  }
}

/**
 * One event's answer from onBatch ({status, errormessage}): 2xx delivered; 408, 429 and 5xx (but 501/505)
 * retried as the HTTP API's clients do; any other status discarded as a bad request.
 */
export function classifyBatchItem(status: number): Classification {
  if (status >= 200 && status < 300) return { status: 'delivered' };
  if (status === 408 || status === 429 || (status >= 500 && status !== 501 && status !== 505)) {
    return { status: 'retry', category: 'retry' };
  }
  return { status: 'discarded', category: 'bad_request' };
}
