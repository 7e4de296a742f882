import { checkCode } from '../runtime/check-code.ts';
import { AppError } from '../server/app-error.ts';

export const MAX_CODE_BYTES = 512 * 1024;

/** Code as saved: a string of at most 512 KB that compiles, loads and defines at least one handler. */
export function validateCode(code: unknown): { code: string; handlers: readonly string[] } {
  if (typeof code !== 'string')
    throw new AppError(400, 'invalid_request', 'code must be a string', { field: 'code' });
  const bytes = Buffer.byteLength(code);
  if (bytes > MAX_CODE_BYTES) {
    throw new AppError(
      400,
      'code_too_large',
      `code is ${Math.ceil(bytes / 1024)} KB; at most ${MAX_CODE_BYTES / 1024} KB`,
      {
        field: 'code',
      },
    );
  }
  const check = checkCode(code);
  if (!check.ok) {
    const { name, message, line, column } = check.error;
    const where =
      line === undefined ? '' : ` (line ${line}${column === undefined ? '' : `, column ${column}`})`;
    throw new AppError(400, 'invalid_code', `${name}: ${message}${where}`, {
      field: 'code',
      info: { line, column },
    });
  }
  if (check.handlers.length === 0) {
    throw new AppError(400, 'no_handler', 'the code defines no handler (onTrack, onIdentify, … or onBatch)', {
      field: 'code',
    });
  }
  return { code, handlers: check.handlers };
}
