/** One outgoing request as Event Delivery shows it: capped, with credentials removed. */
export interface CapturedRequest {
  method: string;
  url: string;
  requestHeaders: Record<string, string>;
  requestBody?: string | undefined;
  status?: number;
  responseHeaders?: Record<string, string>;
  responseBody?: string | undefined;
  error?: string;
  durationMs: number;
}

export const REDACTED = '[redacted]';
const CAPTURED_BODY_BYTES = 4096;
const CAPTURED_HEADER_COUNT = 50;
const CAPTURED_HEADER_BYTES = 1024;
/** Header names whose values are credentials wherever they appear. */
const SECRET_HEADERS =
  /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api-key|apikey|x-auth-token|x-access-token|x-secret|x-amz-security-token|x-goog-api-key)$/i;

export function captureHeaders(headers: readonly [string, string][]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of headers.slice(0, CAPTURED_HEADER_COUNT)) {
    const key = name.toLowerCase();
    const shown = SECRET_HEADERS.test(key) ? REDACTED : truncate(value, CAPTURED_HEADER_BYTES);
    out[key] = key in out ? `${out[key]}, ${shown}` : shown;
  }
  return out;
}

export function captureBody(body: string | Uint8Array | null | undefined): string | undefined {
  if (body === null || body === undefined) return undefined;
  if (typeof body !== 'string') return `[${body.byteLength} bytes of binary data]`;
  return truncate(body, CAPTURED_BODY_BYTES);
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… [${text.length - max} more characters]`;
}
