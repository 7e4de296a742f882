import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InvalidCursorError } from '../store/page-cursor.ts';
import { AppError } from './app-error.ts';

/** Fastify's own errors (body too large, bad JSON, schema validation) mapped to AppError's shape. */
export function toAppError(error: FastifyError | Error): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof InvalidCursorError)
    return new AppError(400, 'invalid_request', error.message, { field: 'cursor' });
  const fastifyError = error as FastifyError;
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError(413, 'payload_too_large', fastifyError.message);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError(415, 'unsupported_media_type', fastifyError.message);
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError(400, 'invalid_json', 'the request body is not valid JSON');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError(400, 'invalid_json', 'the request body is empty');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError(400, 'invalid_request', fastifyError.message);
  }
  if (fastifyError.validation !== undefined) {
    const first = fastifyError.validation[0];
    // "/settings/0/label" → "settings[0].label", the way the API's own messages name fields.
    const field =
      first?.instancePath
        .replace(/^\//, '')
        .replace(/\/(\d+)(?=\/|$)/g, '[$1]')
        .replaceAll('/', '.') || undefined;
    const missing = (first?.params as { missingProperty?: string } | undefined)?.missingProperty;
    if (first?.keyword === 'required' && missing !== undefined) {
      const path = field === undefined ? missing : `${field}.${missing}`;
      return new AppError(400, 'invalid_request', `${path} is required`, { field: path });
    }
    return new AppError(400, 'invalid_request', fastifyError.message, field ? { field } : {});
  }
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode < 500) {
    return new AppError(fastifyError.statusCode, 'invalid_request', fastifyError.message);
  }
  return new AppError(500, 'internal_error', 'internal error', { cause: error });
}

export function sendError(
  request: FastifyRequest,
  reply: FastifyReply,
  error: AppError,
  extra: Record<string, unknown> = {},
): FastifyReply {
  if (error.status >= 500) request.log.error({ err: error }, 'request failed');
  for (const [name, value] of Object.entries(error.details.headers ?? {})) void reply.header(name, value);
  return reply.status(error.status).send({ ...extra, ...error.details.extra, ...error.toJSON() });
}

/** One handler turns every error into a response; 5xx are logged with their cause, never shown. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => sendError(request, reply, toAppError(error)));
}
