// Everything a tracking request needs before the store, as one function of its bytes: decoding, the write
// key, validation and normalisation. Pure, so that it can run in the ingest parser thread (ingest-parsers.ts)
// as well as inline, with the same answers.
import type { ClientEventType } from '../spec/event-types.ts';
import { AppError } from '../server/app-error.ts';
import type { EventRow } from '../store/store.ts';
import { decodeBody } from './decode-body.ts';
import { type RejectedEvent, prepareBatch, prepareSingle } from './prepare-events.ts';
import { extractWriteKey } from './write-key.ts';

export interface TrackingInput {
  readonly type: ClientEventType | 'batch';
  readonly contentType: string | undefined;
  readonly contentEncoding: string | undefined;
  readonly body: Uint8Array | undefined;
  readonly authorization: string | undefined;
  readonly receivedAt: number;
  readonly ip: string | undefined;
}

/** A refusal as plain data (it crosses threads): rebuilt as the same AppError on the other side. */
export interface Refusal {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly extra: Record<string, unknown>;
  readonly headers: Record<string, string> | undefined;
}

export type TrackingOutput =
  // The body could not be read: refused before the write key is looked at (it may be in the body).
  | { readonly unreadable: Refusal }
  // Rows without their sourceId (the caller's write-key lookup gives it), or why the events were refused
  // — which the caller reports only once the write key is known to be good.
  | {
      readonly writeKey: string | undefined;
      readonly rows: EventRow[];
      readonly rejected: RejectedEvent[];
      readonly refused?: Refusal;
    };

export function parseTracking(input: TrackingInput): TrackingOutput {
  let body: unknown;
  try {
    body = decodeBody({
      contentType: input.contentType,
      contentEncoding: input.contentEncoding,
      body:
        input.body === undefined
          ? undefined
          : Buffer.from(input.body.buffer, input.body.byteOffset, input.body.byteLength),
    });
  } catch (error) {
    return { unreadable: refusalOf(error) };
  }
  const writeKey = extractWriteKey(input.authorization, body);
  const facts = { sourceId: '', receivedAt: input.receivedAt, ip: input.ip };
  try {
    if (input.type !== 'batch')
      return { writeKey, rows: [prepareSingle(body, input.type, facts)], rejected: [] };
    const { rows, rejected } = prepareBatch(body, facts);
    return { writeKey, rows, rejected };
  } catch (error) {
    return { writeKey, rows: [], rejected: [], refused: refusalOf(error) };
  }
}

export function refusalOf(error: unknown): Refusal {
  if (!(error instanceof AppError)) throw error;
  return {
    status: error.status,
    code: error.code,
    message: error.message,
    extra: error.details.extra ?? {},
    headers: error.details.headers,
  };
}

export function errorOf(refusal: Refusal): AppError {
  return new AppError(refusal.status, refusal.code, refusal.message, {
    extra: refusal.extra,
    ...(refusal.headers ? { headers: refusal.headers } : {}),
  });
}
