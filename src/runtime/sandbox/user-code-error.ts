// Code that cannot run, told the way the editor shows it: the error's name, message, line and column.
import type ivm from 'isolated-vm';

/** Code that cannot run: a syntax error (with position) or a throw while running its top level. */
export class UserCodeError extends Error {
  override name = 'UserCodeError';
  constructor(
    readonly kind: 'syntax' | 'load',
    readonly errorName: string,
    message: string,
    readonly line: number | undefined,
    readonly column: number | undefined,
    readonly userStack?: string,
  ) {
    super(message);
  }
}

export function syntaxError(error: unknown): UserCodeError {
  const message = String((error as Error).message ?? error);
  const match = /^(.*) \[function\.js:(\d+):(\d+)\]$/.exec(message);
  return new UserCodeError(
    'syntax',
    (error as Error).name ?? 'SyntaxError',
    match ? match[1]! : message,
    match ? Number(match[2]) : undefined,
    match ? Number(match[3]) : undefined,
  );
}

export function loadError(error: unknown, isolate: ivm.Isolate): UserCodeError {
  const err = error as Error;
  if (isolate.isDisposed)
    return new UserCodeError(
      'load',
      'MemoryLimitError',
      'the code exceeded the memory limit while loading',
      undefined,
      undefined,
    );
  if (/timed out/i.test(err.message)) {
    return new UserCodeError(
      'load',
      'TimeoutError',
      'the code’s top level did not finish in time',
      undefined,
      undefined,
    );
  }
  const where = /function\.js:(\d+):(\d+)/.exec(err.stack ?? '');
  return new UserCodeError(
    'load',
    err.name ?? 'Error',
    String(err.message),
    where ? Number(where[1]) : undefined,
    where ? Number(where[2]) : undefined,
    err.stack,
  );
}
