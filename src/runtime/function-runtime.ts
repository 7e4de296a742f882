// Runs destination-function handlers on events as Segment does. The runtime's public surface: nothing
// outside src/runtime imports isolated-vm.
import { type Classification, classify, classifyBatchItem, notRun } from './classify.ts';
import { AddressGuard } from './fetch/address-guard.ts';
import type { CapturedRequest } from './fetch/captured-request.ts';
import { OutboundHttp } from './fetch/outbound-http.ts';
import { InstancePool } from './instance-pool.ts';
import type { EventResult, InvocationError, InvocationResult } from './invocation-result.ts';
import { type Redactor, createRedactor, sensitiveValues } from './redact.ts';
import type { RuntimeOptions } from './runtime-options.ts';
import type { HandlerName } from './sandbox/prelude-source.ts';
import { type RawInvocation, USER_FILENAME, UserCodeError } from './sandbox/sandbox-isolate.ts';

/** A deployed function as the runtime needs it. */
export interface FunctionInstance {
  /** The destination (or test run) the isolates belong to; never shared with another id. */
  readonly id: string;
  /** Changes whenever the code does: a new version starts fresh isolates. */
  readonly versionId: string;
  readonly code: string;
  readonly settings: Readonly<Record<string, unknown>>;
  /** Names of settings whose values must never appear in logs, errors or captured requests. */
  readonly sensitiveSettings?: readonly string[];
}

export type InvocationInput =
  | { readonly event: unknown }
  | { readonly events: readonly unknown[] }
  // Stored events as they are: the JSON goes into the isolate without a parse and stringify on the way
  // (nor a parse to find the handler, when the store knows the event's type).
  | { readonly eventJson: string; readonly type?: string }
  | { readonly eventsJson: readonly string[] };

const HANDLERS: Record<string, HandlerName> = {
  identify: 'onIdentify',
  track: 'onTrack',
  page: 'onPage',
  screen: 'onScreen',
  group: 'onGroup',
  alias: 'onAlias',
  delete: 'onDelete',
};

/**
 * A run (invokeEach) starts no new event after this long, so that a function that turned slow hands the rest
 * back to the queue well before the pipeline's lease on them runs out.
 */
const RUN_LIMIT_MS = 5_000;

export class FunctionRuntime {
  private readonly pools = new Map<string, InstancePool>();
  private readonly outbound: OutboundHttp;
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly options: RuntimeOptions) {
    this.outbound = new OutboundHttp(options.outbound, new AddressGuard(options.fetchAllow));
    this.sweeper = setInterval(() => this.sweep(), Math.max(1_000, Math.min(options.idleMs / 2, 60_000)));
    this.sweeper.unref();
  }

  /** Runs the handler for `event.type` (or onBatch for `events`) and settles the outcome. Never throws. */
  async invoke(instance: FunctionInstance, input: InvocationInput): Promise<InvocationResult> {
    const started = performance.now();
    let prepared: PreparedSettings;
    try {
      prepared = this.prepareSettings(instance);
    } catch (cause) {
      return notRun(classify({ invalidCode: true }), {
        name: 'InvalidSettings',
        message: `the settings are not JSON: ${(cause as Error).message}`,
      });
    }
    const { json: settings, redact } = prepared;
    const requests: CapturedRequest[] = [];
    const batchSize =
      'events' in input ? input.events.length : 'eventsJson' in input ? input.eventsJson.length : undefined;
    const finish = (
      raw: Partial<RawInvocation>,
      verdict: Classification,
      error?: InvocationError,
      cold = false,
    ) =>
      redactResult(
        {
          ...verdict,
          error,
          logs: raw.logs ?? [],
          droppedLogs: raw.droppedLogs ?? 0,
          requests,
          durationMs: round(performance.now() - started),
          cpuMs: round(raw.cpuMs ?? 0),
          coldStart: cold,
          retryAfterMs: verdict.status === 'retry' ? retryAfter(requests) : undefined,
          events: batchSize === undefined ? undefined : batchResults(batchSize, verdict, error, raw.batch),
        },
        redact,
      );

    let payload: string;
    let type: string;
    try {
      ({ payload, type } = payloadOf(input));
    } catch (cause) {
      const error = {
        name: 'InvalidEventPayload',
        message: `the event is not JSON: ${(cause as Error).message}`,
      };
      return finish({}, classify({ errorName: 'InvalidEventPayload' }), error);
    }
    const handler = batchSize === undefined ? HANDLERS[type] : 'onBatch';
    if (handler === undefined) {
      const error = {
        name: 'EventNotSupported',
        message: `${type || 'an event without a type'} is not supported`,
      };
      return finish({}, classify({ errorName: 'EventNotSupported' }), error);
    }

    const pool = this.pool(instance, settings);
    let acquired;
    try {
      acquired = await pool.acquire();
    } catch (cause) {
      if (cause instanceof UserCodeError)
        return finish({}, classify({ invalidCode: true }), codeError(cause));
      return finish({}, classify({ platformFault: true }), {
        name: 'Error',
        message: (cause as Error).message,
      });
    }
    const { sandbox, cold } = acquired;
    let raw: RawInvocation;
    try {
      const deadline = Date.now() + this.options.timeoutMs;
      const context = { deadline, requests: 0, record: (request: CapturedRequest) => requests.push(request) };
      raw = await sandbox.invoke(handler, payload, settings, {
        deadline,
        fetch: (request) => this.outbound.fetch(request, context),
      });
    } catch (cause) {
      sandbox.dispose();
      return finish(
        {},
        classify({ platformFault: true }),
        { name: 'Error', message: (cause as Error).message },
        cold,
      );
    } finally {
      pool.release(sandbox);
    }
    if (raw.timedOut) {
      const error = {
        name: 'TimeoutError',
        message: `the function did not finish within ${this.options.timeoutMs} ms`,
      };
      return finish(raw, classify({ timedOut: true }), error, cold);
    }
    if (raw.memoryExceeded) {
      const error = {
        name: 'MemoryLimitError',
        message: `the function used more than ${this.options.sandbox.memoryMb} MB`,
      };
      return finish(raw, classify({ errorName: 'MemoryLimitError' }), error, cold);
    }
    if (raw.ok) return finish(raw, classify({ ok: true }), undefined, cold);
    const error = userError(raw.error ?? { name: 'Error', message: 'unknown error' });
    return finish(raw, classify({ errorName: error.name }), error, cold);
  }

  /**
   * Runs single-event inputs one after another, each its own invocation (own deadline, logs, requests and
   * verdict) on the instance's warm isolates: a destination's backlog reaches the runtime in runs rather than
   * one message per event. A run stops after a result that asks the destination to wait (a 429 with
   * Retry-After), and starts no event after RUN_LIMIT_MS: the events not run come back as undefined. A delivered result whose `keep` is false comes
   * back without logs and requests, since the pipeline keeps those for a sample of successes only.
   */
  async invokeEach(
    instance: FunctionInstance,
    inputs: readonly InvocationInput[],
    keep?: readonly boolean[],
  ): Promise<(InvocationResult | undefined)[]> {
    const results: (InvocationResult | undefined)[] = [];
    const started = Date.now();
    for (let i = 0; i < inputs.length; i++) {
      const result = await this.invoke(instance, inputs[i]!);
      results.push(keep?.[i] === false && result.status === 'delivered' ? withoutDetail(result) : result);
      if (result.retryAfterMs !== undefined || Date.now() - started > RUN_LIMIT_MS) break;
    }
    while (results.length < inputs.length) results.push(undefined);
    return results;
  }

  /** Drops an instance's isolates now (the pipeline calls this when a destination is deleted). */
  unload(instanceId: string): void {
    for (const [key, pool] of this.pools) {
      if (key.startsWith(`${instanceId}\u0000`)) {
        pool.dispose();
        this.pools.delete(key);
      }
    }
  }

  stats(): { instances: number; isolates: number } {
    let isolates = 0;
    for (const pool of this.pools.values()) isolates += pool.isolates;
    return { instances: this.pools.size, isolates };
  }

  private closed: Promise<void> | undefined;

  /** Unloads every instance and closes outbound connections. Safe to call more than once. */
  close(): Promise<void> {
    this.closed ??= this.shutdown();
    return this.closed;
  }

  private async shutdown(): Promise<void> {
    clearInterval(this.sweeper);
    for (const pool of this.pools.values()) pool.dispose();
    this.pools.clear();
    await this.outbound.close();
  }

  private readonly settingsCache = new WeakMap<object, PreparedSettings>();

  /** Settings as JSON and their redactor, computed once per settings object (callers reuse theirs). */
  private prepareSettings(instance: FunctionInstance): PreparedSettings {
    const sensitive = (instance.sensitiveSettings ?? []).join('\u0000');
    const cached = this.settingsCache.get(instance.settings);
    if (cached?.sensitive === sensitive) return cached;
    const prepared = {
      json: JSON.stringify(instance.settings),
      sensitive,
      redact: createRedactor(sensitiveValues(instance.settings, instance.sensitiveSettings ?? [])),
    };
    this.settingsCache.set(instance.settings, prepared);
    return prepared;
  }

  private readonly poolKeys = new WeakMap<FunctionInstance, string>();

  private pool(instance: FunctionInstance, settings: string): InstancePool {
    // Another version or other settings is another key: fresh isolates, no state carried over. Callers keep
    // their instance objects, so the key is built once per instance rather than per event.
    let key = this.poolKeys.get(instance);
    if (key === undefined) {
      key = `${instance.id}\u0000${instance.versionId}\u0000${settings}`;
      this.poolKeys.set(instance, key);
    }
    let pool = this.pools.get(key);
    if (pool) {
      this.pools.delete(key); // re-insert: Map order is the LRU order
    } else {
      this.unload(instance.id); // the instance's previous version or settings
      pool = new InstancePool(
        instance.code,
        this.options.sandbox,
        this.options.maxIsolatesPerInstance,
        this.options.maxWaitingPerInstance,
      );
    }
    this.pools.set(key, pool);
    if (this.pools.size > this.options.maxInstances) this.evictLeastRecentlyUsed();
    return pool;
  }

  private evictLeastRecentlyUsed(): void {
    for (const [key, pool] of this.pools) {
      if (this.pools.size <= this.options.maxInstances) return;
      if (!pool.busy) {
        pool.dispose();
        this.pools.delete(key);
      }
    }
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, pool] of this.pools) {
      if (pool.busy) continue;
      if (now - pool.lastUsed > this.options.idleMs) {
        pool.dispose();
        this.pools.delete(key);
      } else if (now - pool.lastUsed > this.options.idleMs / 4) {
        pool.shrink();
      }
    }
  }
}

/** The JSON the isolate parses, and the event's type (which picks the handler). */
function payloadOf(input: InvocationInput): { payload: string; type: string } {
  if ('events' in input) return { payload: JSON.stringify(input.events), type: 'batch' };
  if ('eventsJson' in input) return { payload: `[${input.eventsJson.join(',')}]`, type: 'batch' };
  if ('event' in input) return { payload: JSON.stringify(input.event), type: eventType(input.event) };
  return { payload: input.eventJson, type: input.type ?? eventType(JSON.parse(input.eventJson)) };
}

function eventType(event: unknown): string {
  return typeof event === 'object' && event !== null && typeof (event as { type?: unknown }).type === 'string'
    ? (event as { type: string }).type
    : '';
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

/** Keeps the user's own frames only: the runtime's and the host's are noise, and private. */
function userError(error: { name: string; message: string; stack?: string | undefined }): InvocationError {
  const frames = (error.stack ?? '').split('\n').filter((line) => line.includes(`${USER_FILENAME}:`));
  const where = /function\.js:(\d+):(\d+)/.exec(frames[0] ?? '');
  return {
    name: error.name,
    message: error.message,
    stack: frames.length > 0 ? [`${error.name}: ${error.message}`, ...frames].join('\n') : undefined,
    line: where ? Number(where[1]) : undefined,
    column: where ? Number(where[2]) : undefined,
  };
}

function codeError(error: UserCodeError): InvocationError {
  const stack =
    error.userStack === undefined ? undefined : userError({ ...error, stack: error.userStack }).stack;
  const prefix = error.kind === 'syntax' ? 'The code does not compile' : 'The code failed while loading';
  return {
    name: error.errorName,
    message: `${prefix}: ${error.message}`,
    stack,
    line: error.line,
    column: error.column,
  };
}

function batchResults(
  size: number,
  verdict: Classification,
  error: InvocationError | undefined,
  answers: RawInvocation['batch'],
): EventResult[] {
  // A throw (or no per-event answer) settles every event alike; otherwise each answer settles its event.
  return Array.from({ length: size }, (_, i) => {
    const answer = verdict.status === 'delivered' ? answers?.[i] : undefined;
    if (answer === undefined) return { ...verdict, error };
    const item = classifyBatchItem(answer.status);
    return item.status === 'delivered'
      ? item
      : { ...item, error: { name: 'Error', message: answer.errormessage ?? `status ${answer.status}` } };
  });
}

/** A 429's Retry-After (seconds or an HTTP date) among the requests, in ms. */
function retryAfter(requests: readonly CapturedRequest[]): number | undefined {
  for (const request of [...requests].reverse()) {
    const value = request.status === 429 ? request.responseHeaders?.['retry-after'] : undefined;
    if (value === undefined) continue;
    const seconds = Number(value);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
    const date = Date.parse(value);
    if (!Number.isNaN(date)) return Math.max(0, date - Date.now());
  }
  return undefined;
}

interface PreparedSettings {
  readonly json: string;
  readonly sensitive: string;
  readonly redact: Redactor | undefined;
}

function redactResult(result: InvocationResult, redact: Redactor | undefined): InvocationResult {
  if (redact === undefined) {
    return result.events === undefined ? result : { ...result, events: result.events.map((e) => defined(e)) };
  }
  const error = (e: InvocationError | undefined) =>
    e &&
    defined({ ...e, message: redact(e.message), stack: e.stack === undefined ? undefined : redact(e.stack) });
  const headers = (h: Record<string, string> | undefined) =>
    h && Object.fromEntries(Object.entries(h).map(([k, v]) => [k, redact(v)]));
  return {
    ...result,
    error: error(result.error),
    logs: result.logs.map((line) => ({ level: line.level, message: redact(line.message) })),
    requests: result.requests.map((r) => ({
      ...r,
      url: redact(r.url),
      requestHeaders: headers(r.requestHeaders)!,
      requestBody: r.requestBody === undefined ? undefined : redact(r.requestBody),
      responseHeaders: headers(r.responseHeaders),
      responseBody: r.responseBody === undefined ? undefined : redact(r.responseBody),
      error: r.error === undefined ? undefined : redact(r.error),
    })),
    events: result.events?.map((e) => defined({ ...e, error: error(e.error) })),
  };
}

function withoutDetail(result: InvocationResult): InvocationResult {
  return { ...result, logs: [], droppedLogs: 0, requests: [] };
}

/** The object without its undefined fields: results are compared and serialised as data. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
