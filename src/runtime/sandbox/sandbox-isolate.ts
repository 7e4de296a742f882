// One isolated-vm isolate with one persistent context running one function's code. The only file that
// drives isolated-vm directly; everything user code can reach goes through the prelude's closure.
import ivm from 'isolated-vm';
import { BINDER_SOURCE, PRELUDE_SOURCE, type HandlerName } from './prelude-source.ts';
import { codec, cryptoOp, lodash, url } from './host-bridge.ts';

/** The file name user code compiles under: stack lines naming it are the user's own. */
export const USER_FILENAME = 'function.js';

export interface SandboxLimits {
  readonly memoryMb: number;
  /** Time the top-level code may run when the isolate is created. */
  readonly loadTimeoutMs: number;
  readonly maxLogLines: number;
  readonly maxLogBytes: number;
  readonly maxLogLineBytes: number;
  readonly maxCacheEntries: number;
  readonly maxBatchSize: number;
}

/** What one invocation may do outside the isolate; supplied by the runtime per invocation. */
export interface InvocationHost {
  /** Epoch ms by which the invocation must have finished. */
  readonly deadline: number;
  fetch(request: unknown): Promise<unknown>;
}

export interface SandboxError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string | undefined;
}

export interface RawInvocation {
  readonly ok: boolean;
  readonly error?: SandboxError;
  readonly batch?: { status: number; errormessage?: string }[];
  readonly logs: { level: string; message: string }[];
  readonly droppedLogs: number;
  readonly timedOut: boolean;
  readonly memoryExceeded: boolean;
  readonly cpuMs: number;
  readonly wallMs: number;
}

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

let preludeCache: ivm.ExternalCopy<ArrayBuffer> | undefined;

function compilePrelude(isolate: ivm.Isolate): ivm.Script {
  // V8's code cache for the prelude, made by the first isolate of the process, shortens every cold start.
  const script = isolate.compileScriptSync(PRELUDE_SOURCE, {
    filename: 'switchyard-runtime.js',
    ...(preludeCache ? { cachedData: preludeCache } : { produceCachedData: true }),
  });
  const produced = (script as ivm.Script & { cachedData?: ivm.ExternalCopy<ArrayBuffer> }).cachedData;
  if (!preludeCache && produced) preludeCache = produced;
  return script;
}

export class SandboxIsolate {
  private gen = 0;
  private busy = false;

  private constructor(
    private readonly isolate: ivm.Isolate,
    private readonly start: ivm.Reference,
    private readonly take: ivm.Reference,
    private readonly resume: ivm.Reference,
    /** The handlers the code defines, e.g. ['onTrack', 'onIdentify']. */
    readonly handlers: readonly HandlerName[],
  ) {}

  /** Compiles and runs the code's top level. Throws UserCodeError when the code cannot run. */
  static create(code: string, limits: SandboxLimits): SandboxIsolate {
    const isolate = new ivm.Isolate({
      memoryLimit: limits.memoryMb,
      onCatastrophicError: (message: string) => {
        // isolated-vm's own instruction: V8 lost control of an isolate; the process is not safe to go on.
        process.stderr.write(`isolated-vm catastrophic error: ${message}\n`);
        process.abort();
      },
    });
    try {
      const context = isolate.createContextSync();
      compilePrelude(isolate).runSync(context);
      const init = context.global.getSync('__switchyardInit', { reference: true });
      const bridge = {
        limits: JSON.stringify(limits),
        codec: new ivm.Callback(answer(codec)),
        url: new ivm.Callback(answer(url)),
        crypto: new ivm.Callback(answer(cryptoOp)),
        lodash: new ivm.Callback(answer(lodash)),
      };
      const api = init.applySync(undefined, [bridge], {
        arguments: { copy: true },
        result: { reference: true },
      }) as ivm.Reference;
      const start = api.getSync('start', { reference: true });
      const take = api.getSync('take', { reference: true });
      const resume = api.getSync('resume', { reference: true });
      const bind = api.getSync('bind', { reference: true });

      let script: ivm.Script;
      try {
        script = isolate.compileScriptSync(code, { filename: USER_FILENAME });
      } catch (error) {
        throw syntaxError(error);
      }
      try {
        script.runSync(context, { timeout: limits.loadTimeoutMs });
      } catch (error) {
        throw loadError(error, isolate);
      }
      const found: unknown = context.evalClosureSync(BINDER_SOURCE, [bind.derefInto()], {
        timeout: limits.loadTimeoutMs,
      });
      const handlers = String(found).split(',').filter(Boolean) as HandlerName[];
      return new SandboxIsolate(isolate, start, take, resume, handlers);
    } catch (error) {
      if (!isolate.isDisposed) isolate.dispose();
      throw error;
    }
  }

  get disposed(): boolean {
    return this.isolate.isDisposed;
  }

  /** Heap in use, for eviction decisions and the memory benchmark. */
  heapBytes(): number {
    const stats = this.isolate.getHeapStatisticsSync();
    return stats.used_heap_size + stats.externally_allocated_size;
  }

  dispose(): void {
    if (!this.isolate.isDisposed) this.isolate.dispose();
  }

  /**
   * Runs one handler. Every step runs synchronously on this thread under isolated-vm's timeout: start, then
   * take the operations it queued (fetch, timers), perform them here, resume the isolate with their outcomes,
   * and again until take answers the result. No isolate code runs between calls, so a crossing costs tens of
   * microseconds rather than a thread hop each way; the deadline bounds the waits in between.
   */
  async invoke(
    handler: HandlerName,
    payloadJson: string,
    settingsJson: string,
    host: InvocationHost,
  ): Promise<RawInvocation> {
    if (this.busy) throw new Error('a sandbox isolate runs one invocation at a time');
    this.busy = true;
    const gen = ++this.gen;
    const cpuStart = this.isolate.cpuTime;
    const started = performance.now();
    let json: string | null = null;
    let timedOut = false;
    let memoryExceeded = false;
    try {
      const remaining = host.deadline - Date.now();
      if (remaining <= 0) throw new Error('Script execution timed out.');
      this.start.applySync(undefined, [gen, handler, payloadJson, settingsJson], { timeout: remaining });
      json = await this.drive(gen, host);
      timedOut = json === null;
    } catch (error) {
      if (/timed out/i.test((error as Error).message)) timedOut = true;
      else if (!this.isolate.isDisposed) throw error;
    } finally {
      this.busy = false;
    }
    const cpuMs = this.isolate.isDisposed ? 0 : Number(this.isolate.cpuTime - cpuStart) / 1e6;
    const wallMs = performance.now() - started;
    if (json === null && !timedOut) memoryExceeded = this.isolate.isDisposed;
    // After a timeout the user's globals may be half-updated; after a memory fault V8 has already disposed.
    if (timedOut || memoryExceeded) this.dispose();
    if (typeof json !== 'string') {
      return { ok: false, logs: [], droppedLogs: 0, timedOut, memoryExceeded, cpuMs, wallMs };
    }
    const parsed = JSON.parse(json) as Omit<
      RawInvocation,
      'timedOut' | 'memoryExceeded' | 'cpuMs' | 'wallMs'
    >;
    return { ...parsed, timedOut: false, memoryExceeded: false, cpuMs, wallMs };
  }

  /** Performs queued operations and resumes the isolate until the result is in; null at the deadline. */
  private async drive(gen: number, host: InvocationHost): Promise<string | null> {
    const done: [number, unknown][] = [];
    let wake: (() => void) | undefined;
    for (;;) {
      const out = this.take.applySync(undefined, [gen], { result: { copy: true } }) as string | HostOp[];
      if (typeof out === 'string') return out;
      for (const [id, kind, argument] of out) {
        const operation = kind === 'fetch' ? this.fetch(argument, host) : this.sleep(argument, host);
        void operation.then((value) => {
          done.push([id, value]);
          wake?.();
        });
      }
      if (done.length === 0) {
        // With nothing outstanding the handler awaits what can never happen: it runs into the deadline.
        const wait = Math.max(0, host.deadline - Date.now());
        const woken = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), wait);
          wake = () => {
            clearTimeout(timer);
            resolve(true);
          };
        });
        wake = undefined;
        if (!woken) return null;
      }
      const remaining = host.deadline - Date.now();
      if (remaining <= 0) return null;
      this.resume.applySync(undefined, [gen, done.splice(0)], {
        arguments: { copy: true },
        timeout: remaining,
      });
    }
  }

  private fetch(request: unknown, host: InvocationHost): Promise<unknown> {
    // Never reject: the isolate gets an error object it turns into a FetchError of its own.
    return host.fetch(request).catch(() => ({ error: { message: 'fetch failed', type: 'system' } }));
  }

  private async sleep(ms: unknown, host: InvocationHost): Promise<void> {
    const wait = Math.min(Number(ms) || 0, Math.max(0, host.deadline - Date.now()));
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

/** An operation the isolate queued: [id, kind, argument]. */
type HostOp = [number, 'fetch' | 'sleep', unknown];

/** Wraps a host service so that it answers {ok} or {err: [name, message]} and never throws across. */
function answer<A extends unknown[]>(service: (...args: A) => unknown): (...args: A) => unknown {
  return (...args) => {
    try {
      return { ok: service(...args) };
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      return { err: [err.name, err.message] };
    }
  };
}

function syntaxError(error: unknown): UserCodeError {
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

function loadError(error: unknown, isolate: ivm.Isolate): UserCodeError {
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
