/**
 * The one error type that routes throw: it knows its HTTP status and renders itself as
 * {"error": {"code", "message", "field"?}}. Anything else that reaches the error handler is a 500.
 */
export class AppError extends Error {
  override name = 'AppError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: {
      field?: string;
      headers?: Record<string, string>;
      extra?: Record<string, unknown>;
      /** More about the error, inside the error object (e.g. line and column of a syntax error). */
      info?: Record<string, unknown>;
      cause?: unknown;
    } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
  }

  toJSON(): { error: { code: string; message: string; field?: string } } {
    const error = { code: this.code, message: this.message, ...this.details.info };
    return { error: this.details.field === undefined ? error : { ...error, field: this.details.field } };
  }
}

/** A name as sent, trimmed; a 400 naming the field when only blanks were sent. */
export function nonBlank(value: string, field: string): string {
  const trimmed = value.trim();
  if (trimmed === '') throw new AppError(400, 'invalid_request', `${field} must not be blank`, { field });
  return trimmed;
}

export const notFound = (what: string): AppError => new AppError(404, 'not_found', `${what} not found`);
