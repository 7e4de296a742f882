import { gunzipSync, inflateSync } from 'node:zlib';
import { MAX_REQUEST_BYTES } from '../spec/limits.ts';
import { AppError } from '../server/app-error.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });
// analytics.js posts text/plain to avoid a CORS preflight; servers and curl post application/json.
const ACCEPTED_TYPES = new Set(['application/json', 'text/plain']);

export interface RawRequest {
  readonly contentType: string | undefined;
  readonly contentEncoding: string | undefined;
  readonly body: Buffer | undefined;
}

/**
 * From raw request bytes to a JSON value: content type, gzip/deflate, the 500 KB limit (after
 * decompression too, so a small gzip bomb cannot expand), strict UTF-8, JSON. Each failure is a clear 4xx.
 */
export function decodeBody(request: RawRequest): unknown {
  const mediaType = request.contentType?.split(';')[0]?.trim().toLowerCase();
  if (mediaType === undefined || !ACCEPTED_TYPES.has(mediaType)) {
    throw trackingError(
      415,
      'unsupported_media_type',
      `Content-Type must be application/json or text/plain, got ${mediaType ?? 'none'}`,
    );
  }
  if (request.body === undefined || request.body.length === 0) {
    throw trackingError(400, 'invalid_json', 'the request body is empty');
  }
  const bytes = decompress(request.body, request.contentEncoding?.trim().toLowerCase());
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw trackingError(400, 'invalid_encoding', 'the request body is not valid UTF-8');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw trackingError(
      400,
      'invalid_json',
      `the request body is not valid JSON: ${(error as Error).message}`,
    );
  }
}

function decompress(body: Buffer, encoding: string | undefined): Buffer {
  if (encoding === undefined || encoding === '' || encoding === 'identity') return body;
  const inflate =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? gunzipSync
      : encoding === 'deflate'
        ? inflateSync
        : undefined;
  if (inflate === undefined) {
    throw trackingError(
      415,
      'unsupported_encoding',
      `Content-Encoding ${encoding} is not supported; use gzip`,
    );
  }
  try {
    return inflate(body, { maxOutputLength: MAX_REQUEST_BYTES });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw bodyTooLarge();
    throw trackingError(400, 'invalid_encoding', `the request body is not valid ${encoding}`);
  }
}

export function bodyTooLarge(): AppError {
  return trackingError(
    413,
    'payload_too_large',
    `the request body is larger than ${MAX_REQUEST_BYTES / 1024} KB`,
  );
}

/** Tracking API errors carry success: false beside the usual error object. */
export function trackingError(
  status: number,
  code: string,
  message: string,
  extra: Record<string, unknown> = {},
) {
  return new AppError(status, code, message, { extra: { success: false, ...extra } });
}
