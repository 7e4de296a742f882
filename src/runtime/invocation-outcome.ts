// From what ran in the isolate to the result the API and the pipeline see: Segment's verdict, the user's
// own stack frames only, per-event answers of onBatch, Retry-After, and sensitive values redacted.
import { type Classification, classifyBatchItem } from './classify.ts';
import type { CapturedRequest } from './fetch/captured-request.ts';
import type { EventResult, InvocationError, InvocationResult } from './invocation-result.ts';
import type { Redactor } from './redact.ts';
import { type RawInvocation, USER_FILENAME, type UserCodeError } from './sandbox/sandbox-isolate.ts';

/** Everything known about one invocation once it is over (or could not start). */
export interface InvocationOutcome {
  readonly raw: Partial<RawInvocation>;
  readonly verdict: Classification;
  readonly error?: InvocationError | undefined;
  readonly requests: CapturedRequest[];
  readonly durationMs: number;
  readonly cold: boolean;
  /** onBatch: how many events were given. */
  readonly batchSize?: number | undefined;
}

export function resultOf(outcome: InvocationOutcome, redact: Redactor | undefined): InvocationResult {
  const { raw, verdict, error, requests, batchSize } = outcome;
  // Object.assign rather than {...verdict, more}: on Node 20's V8 each property added after a spread costs
  // about a microsecond, and this runs for every event.
  const result: InvocationResult = Object.assign({}, verdict, {
    error,
    logs: raw.logs ?? [],
    droppedLogs: raw.droppedLogs ?? 0,
    requests,
    durationMs: round(outcome.durationMs),
    cpuMs: round(raw.cpuMs ?? 0),
    coldStart: outcome.cold,
    retryAfterMs: verdict.status === 'retry' ? retryAfter(requests) : undefined,
    events: batchSize === undefined ? undefined : batchResults(batchSize, verdict, error, raw.batch),
  });
  return redactResult(result, redact);
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

/** Keeps the user's own frames only: the runtime's and the host's are noise, and private. */
export function userError(error: {
  name: string;
  message: string;
  stack?: string | undefined;
}): InvocationError {
  const frames = (error.stack ?? '').split('\n').filter((line) => line.includes(`${USER_FILENAME}:`));
  const where = /function\.js:(\d+):(\d+)/.exec(frames[0] ?? '');
  return {
    name: error.name,
    message: error.message,
    stack: frames.length > 0 ? [`${error.name}: ${error.message}`, ...frames].join('\n') : undefined,
    line: where ? Number(where[1]) : undefined,
    column: where ? Number(where[2]) : undefined,
  };
}

export function codeError(error: UserCodeError): InvocationError {
  const stack =
    error.userStack === undefined ? undefined : userError({ ...error, stack: error.userStack }).stack;
  const prefix = error.kind === 'syntax' ? 'The code does not compile' : 'The code failed while loading';
  return {
    name: error.errorName,
    message: `${prefix}: ${error.message}`,
    stack,
    line: error.line,
    column: error.column,
  };
}

function batchResults(
  size: number,
  verdict: Classification,
  error: InvocationError | undefined,
  answers: RawInvocation['batch'],
): EventResult[] {
  // A throw (or no per-event answer) settles every event alike; otherwise each answer settles its event.
  return Array.from({ length: size }, (_, i) => {
    const answer = verdict.status === 'delivered' ? answers?.[i] : undefined;
    if (answer === undefined) return { ...verdict, error };
    const item = classifyBatchItem(answer.status);
    return item.status === 'delivered'
      ? item
      : { ...item, error: { name: 'Error', message: answer.errormessage ?? `status ${answer.status}` } };
  });
}

/** A 429's Retry-After (seconds or an HTTP date) among the requests, in ms. */
function retryAfter(requests: readonly CapturedRequest[]): number | undefined {
  for (const request of [...requests].reverse()) {
    const value = request.status === 429 ? request.responseHeaders?.['retry-after'] : undefined;
    if (value === undefined) continue;
    const seconds = Number(value);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
    const date = Date.parse(value);
    if (!Number.isNaN(date)) return Math.max(0, date - Date.now());
  }
  return undefined;
}

function redactResult(result: InvocationResult, redact: Redactor | undefined): InvocationResult {
  if (redact === undefined) {
    return result.events === undefined ? result : { ...result, events: result.events.map((e) => defined(e)) };
  }
  const error = (e: InvocationError | undefined) =>
    e &&
    defined({ ...e, message: redact(e.message), stack: e.stack === undefined ? undefined : redact(e.stack) });
  const headers = (h: Record<string, string> | undefined) =>
    h && Object.fromEntries(Object.entries(h).map(([k, v]) => [k, redact(v)]));
  return {
    ...result,
    error: error(result.error),
    logs: result.logs.map((line) => ({ level: line.level, message: redact(line.message) })),
    requests: result.requests.map((r) => ({
      ...r,
      url: redact(r.url),
      requestHeaders: headers(r.requestHeaders)!,
      requestBody: r.requestBody === undefined ? undefined : redact(r.requestBody),
      responseHeaders: headers(r.responseHeaders),
      responseBody: r.responseBody === undefined ? undefined : redact(r.responseBody),
      error: r.error === undefined ? undefined : redact(r.error),
    })),
    events: result.events?.map((e) => defined({ ...e, error: error(e.error) })),
  };
}

/**
 * The result as the pipeline keeps it: a success whose detail is not kept (`keep` false) comes back without
 * its logs and requests. A batch is a success only when every one of its events was delivered.
 */
export function unlessKept(result: InvocationResult, keep: boolean | undefined): InvocationResult {
  if (keep !== false || result.status !== 'delivered') return result;
  if (result.events?.some((e) => e.status !== 'delivered')) return result;
  return { ...result, logs: [], droppedLogs: 0, requests: [] };
}

/** The object without its undefined fields: results are compared and serialised as data. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
