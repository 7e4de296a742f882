// One isolated-vm isolate with one persistent context running one function's code. The only file that
// drives isolated-vm directly; everything user code can reach goes through the prelude's closure.
import ivm from 'isolated-vm';
import { BINDER_SOURCE, PRELUDE_SOURCE, type HandlerName } from './prelude-source.ts';
import { codec, cryptoOp, lodash, url } from './host-bridge.ts';
import { UserCodeError, loadError, syntaxError } from './user-code-error.ts';

export { UserCodeError };

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
    private readonly resume: ivm.Reference,
    private readonly run: RunReferences,
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
      const resume = api.getSync('resume', { reference: true });
      const bind = api.getSync('bind', { reference: true });
      const run = {
        start: api.getSync('startRun', { reference: true }),
        continue: api.getSync('continueRun', { reference: true }),
        take: api.getSync('takeRun', { reference: true }),
      };

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
      return new SandboxIsolate(isolate, resume, run, handlers);
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

  /** Runs one handler: a run of one event, whose failure is always its own. */
  async invoke(
    handler: HandlerName,
    payloadJson: string,
    settingsJson: string,
    host: InvocationHost,
  ): Promise<RawInvocation> {
    const [raw] = await this.invokeRun(
      [handler],
      [payloadJson],
      settingsJson,
      () => host,
      () => false,
    );
    return raw!;
  }

  /**
   * Runs events one after another, each its own invocation (the prelude's startRun): an event that asks
   * the host for nothing lets the next one start within the same call, so a run of quick functions costs a
   * few crossings instead of two or more per event. `open` is called as each event starts and gives its
   * deadline and fetch. Returns one result per event run, in order, stopping early when `stop` says so after
   * a result, or after an event that timed out or ran out of memory (blamed only when it is known to be the
   * one running). When the isolate fails and the culprit is not known, the results end there: the events
   * not returned asked the host for nothing, so the caller may run them again one by one.
   */
  async invokeRun(
    handlers: readonly HandlerName[],
    payloads: readonly string[],
    settingsJson: string,
    open: (index: number) => InvocationHost,
    stop: (raw: RawInvocation, index: number) => boolean,
  ): Promise<RawInvocation[]> {
    if (this.busy) throw new Error('a sandbox isolate runs one invocation at a time');
    this.busy = true;
    const gen = ++this.gen;
    const raws: RawInvocation[] = [];
    let host = open(0);
    // What the running event has used so far, and whether it reached the outside world.
    let cpuMs = 0;
    let wallMs = 0;
    let askedHost = false;
    let call: 'start' | 'continue' | 'resume' = 'start';
    const outcomes: [number, unknown][] = [];
    let wake: (() => void) | undefined;
    const fail = (timedOut: boolean): RawInvocation[] => {
      this.dispose(); // after a timeout the user's globals may be half-updated
      raws.push({ ok: false, logs: [], droppedLogs: 0, timedOut, memoryExceeded: !timedOut, cpuMs, wallMs });
      return raws;
    };
    try {
      for (;;) {
        const remaining = host.deadline - Date.now();
        if (remaining <= 0) return fail(true);
        const cpuStart = this.isolate.cpuTime;
        const started = performance.now();
        let threw: Error | undefined;
        try {
          if (call === 'start')
            this.run.start.applySync(undefined, [gen, handlers, payloads, settingsJson], {
              arguments: { copy: true },
              timeout: remaining,
            });
          else if (call === 'continue') this.run.continue.applySync(undefined, [gen], { timeout: remaining });
          else
            this.resume.applySync(undefined, [gen, outcomes.splice(0)], {
              arguments: { copy: true },
              timeout: remaining,
            });
        } catch (error) {
          threw = error as Error;
        }
        let taken: [string[], HostOp[], boolean] | undefined;
        if (!this.isolate.isDisposed) {
          try {
            taken = this.run.take.applySync(undefined, [gen], { result: { copy: true } }) as typeof taken;
          } catch {
            taken = undefined;
          }
        }
        const cpu = this.isolate.isDisposed ? 0 : Number(this.isolate.cpuTime - cpuStart) / 1e6;
        const wall = performance.now() - started;
        const [done, ops, active] = taken ?? [[], [], true];
        // The call's time is shared by the events that ran in it: those that finished and the one running.
        const share = done.length + (active ? 1 : 0) || 1;
        for (const json of done) {
          const parsed = JSON.parse(json) as Omit<
            RawInvocation,
            'timedOut' | 'memoryExceeded' | 'cpuMs' | 'wallMs'
          >;
          // Object.assign, not {...parsed, more}: on this V8, properties added after a spread cost microseconds.
          const raw: RawInvocation = Object.assign(parsed, {
            timedOut: false,
            memoryExceeded: false,
            cpuMs: cpuMs + cpu / share,
            wallMs: wallMs + wall / share,
          });
          raws.push(raw);
          cpuMs = 0;
          wallMs = 0;
          askedHost = false;
          if (stop(raw, raws.length - 1)) return raws;
          if (raws.length < payloads.length) host = open(raws.length);
        }
        if (active) {
          cpuMs += cpu / share;
          wallMs += wall / share;
        }
        if (threw !== undefined) {
          const timedOut = /timed out/i.test(threw.message);
          // Neither a timeout nor a memory fault (V8 disposes the isolate then): the platform's own failure.
          if (!timedOut && !this.isolate.isDisposed) throw threw;
          // Known culprit: the event still running when the call timed out, one that had asked the host for
          // something (no other event ran in its calls), or the only one left. Otherwise the rest is run
          // again one by one.
          const known =
            (timedOut && taken !== undefined && active) || askedHost || raws.length === payloads.length - 1;
          if (raws.length < payloads.length && known) return fail(timedOut);
          this.dispose();
          return raws;
        }
        if (raws.length === payloads.length) return raws;
        if (!active) {
          call = 'continue';
          continue;
        }
        if (ops.length > 0) askedHost = true;
        for (const [id, kind, argument] of ops) {
          const operation = kind === 'fetch' ? this.fetch(argument, host) : this.sleep(argument, host);
          void operation.then((value) => {
            outcomes.push([id, value]);
            wake?.();
          });
        }
        if (outcomes.length === 0) {
          const waitStarted = performance.now();
          const woken = await new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => resolve(false), Math.max(0, host.deadline - Date.now()));
            wake = () => {
              clearTimeout(timer);
              resolve(true);
            };
          });
          wake = undefined;
          wallMs += performance.now() - waitStarted;
          if (!woken) return fail(true);
        }
        call = 'resume';
      }
    } finally {
      this.busy = false;
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

interface RunReferences {
  readonly start: ivm.Reference;
  readonly continue: ivm.Reference;
  readonly take: ivm.Reference;
}

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
