import { DEFAULT_RUNTIME_OPTIONS } from './runtime-options.ts';
import type { HandlerName } from './sandbox/prelude-source.ts';
import { SandboxIsolate, type SandboxLimits, UserCodeError } from './sandbox/sandbox-isolate.ts';

export type CodeCheck =
  | { readonly ok: true; readonly handlers: readonly HandlerName[] }
  | {
      readonly ok: false;
      readonly error: {
        kind: 'syntax' | 'load';
        name: string;
        message: string;
        line?: number;
        column?: number;
      };
    };

/**
 * What saving code needs to know: does it compile and load, and which handlers does it define. The code's
 * top level runs in a throw-away isolate under the same limits as in production.
 */
export function checkCode(code: string, limits: SandboxLimits = DEFAULT_RUNTIME_OPTIONS.sandbox): CodeCheck {
  let sandbox: SandboxIsolate | undefined;
  try {
    sandbox = SandboxIsolate.create(code, limits);
    return { ok: true, handlers: sandbox.handlers };
  } catch (error) {
    if (!(error instanceof UserCodeError)) throw error;
    const { kind, errorName: name, message, line, column } = error;
    return {
      ok: false,
      error: {
        kind,
        name,
        message,
        ...(line === undefined ? {} : { line }),
        ...(column === undefined ? {} : { column }),
      },
    };
  } finally {
    sandbox?.dispose();
  }
}
