// Runs destination-function handlers on events as Segment does. The runtime's public surface: nothing
// outside src/runtime imports isolated-vm.
import { classify, notRun } from './classify.ts';
import { AddressGuard } from './fetch/address-guard.ts';
import type { CapturedRequest } from './fetch/captured-request.ts';
import { OutboundHttp } from './fetch/outbound-http.ts';
import { InstancePool } from './instance-pool.ts';
import { type InvocationOutcome, codeError, resultOf, userError, unlessKept } from './invocation-outcome.ts';
import { type InvocationInput, callOf } from './invocation-input.ts';
import type { InvocationResult } from './invocation-result.ts';

export type { InvocationInput };
import { type Redactor, createRedactor, sensitiveValues } from './redact.ts';
import type { RuntimeOptions } from './runtime-options.ts';
import type { HandlerName } from './sandbox/prelude-source.ts';
import {
  type InvocationHost,
  type RawInvocation,
  type SandboxIsolate,
  UserCodeError,
} from './sandbox/sandbox-isolate.ts';

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

/**
 * A run (invokeEach) starts no new event after this long, so that a function that turned slow hands the rest
 * back to the queue well before the pipeline's lease on them runs out.
 */
const RUN_LIMIT_MS = 5_000;

export class FunctionRuntime {
  /** The events come with their invocations: this runtime never reads the store. */
  readonly readsStore = false;
  private readonly pools = new Map<string, InstancePool>();
  private readonly outbound: OutboundHttp;
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly options: RuntimeOptions) {
    this.outbound = new OutboundHttp(options.outbound, new AddressGuard(options.fetchAllow));
    this.sweeper = setInterval(() => this.sweep(), Math.max(1_000, Math.min(options.idleMs / 2, 60_000)));
    this.sweeper.unref();
  }

  /**
   * Runs the handler for `event.type` (or onBatch for `events`) and settles the outcome. Never throws.
   * `keep` false: a success (every event of a batch delivered) comes back without logs and requests.
   */
  async invoke(
    instance: FunctionInstance,
    input: InvocationInput,
    keep?: boolean,
  ): Promise<InvocationResult> {
    const started = performance.now();
    const prepared = this.prepare(instance);
    if ('result' in prepared) return prepared.result;
    const { settings, redact } = prepared;
    const batchSize =
      'events' in input ? input.events.length : 'eventsJson' in input ? input.eventsJson.length : undefined;
    const call = callOf(input, batchSize !== undefined);
    if ('outcome' in call) return resultOf({ ...call.outcome, durationMs: 0, batchSize }, redact);
    const pool = this.pool(instance, settings);
    const acquired = await this.acquire(pool);
    if ('outcome' in acquired) return resultOf({ ...acquired.outcome, batchSize }, redact);
    const { sandbox, cold } = acquired;
    const requests: CapturedRequest[] = [];
    let raw: RawInvocation;
    try {
      raw = await sandbox.invoke(call.handler, call.payload, settings, this.hostFor(requests));
    } catch (cause) {
      sandbox.dispose();
      const error = { name: 'Error', message: (cause as Error).message };
      const outcome = { raw: {}, verdict: classify({ platformFault: true }), error, requests, cold };
      return resultOf({ ...outcome, durationMs: performance.now() - started, batchSize }, redact);
    } finally {
      pool.release(sandbox);
    }
    const durationMs = performance.now() - started;
    return unlessKept(resultOf({ ...this.judge(raw), requests, durationMs, cold, batchSize }, redact), keep);
  }

  /**
   * Runs single-event inputs one after another, each its own invocation (own deadline, logs, requests and
   * verdict), on one warm isolate at a time (SandboxIsolate.invokeRun): a destination's backlog reaches the
   * runtime in runs rather than one message per event, and quick functions cross into the isolate a few
   * times per run rather than per event. A run stops after a result that asks the destination to wait (a
   * 429 with Retry-After), and starts no event after RUN_LIMIT_MS: the events not run come back as
   * undefined. A delivered result whose `keep` is false comes back without logs and requests, since the
   * pipeline keeps those for a sample of successes only.
   */
  async invokeEach(
    instance: FunctionInstance,
    inputs: readonly InvocationInput[],
    keep?: readonly boolean[],
  ): Promise<(InvocationResult | undefined)[]> {
    const results: (InvocationResult | undefined)[] = inputs.map(() => undefined);
    const done = (i: number, result: InvocationResult) => {
      results[i] = unlessKept(result, keep?.[i]);
      return result.retryAfterMs !== undefined;
    };
    const started = Date.now();
    const prepared = this.prepare(instance);
    let next = 0;
    while (next < inputs.length && Date.now() - started <= RUN_LIMIT_MS) {
      if ('result' in prepared) {
        done(next++, prepared.result);
        continue;
      }
      // The events up to the next one the isolate need not see (unsupported type, unreadable JSON).
      const calls: { handler: HandlerName; payload: string }[] = [];
      let blocked: Omit<InvocationOutcome, 'durationMs'> | undefined;
      for (; next < inputs.length; next++) {
        const call = callOf(inputs[next]!, false);
        if ('outcome' in call) {
          blocked = call.outcome;
          break;
        }
        calls.push(call);
      }
      const first = next - calls.length;
      if (calls.length === 0) {
        done(next++, resultOf({ ...blocked!, durationMs: 0 }, prepared.redact));
        continue;
      }
      const until = started + RUN_LIMIT_MS;
      const stopped = await this.runOnIsolate(
        instance,
        prepared,
        calls,
        until,
        (i, result) => done(first + i, result),
        (i) => keep?.[first + i] === false,
      );
      next = first + stopped.ran;
      if (stopped.throttled || stopped.outOfTime) break;
      // The isolate failed without knowing which event did it: the next one runs on its own.
      if (
        stopped.unknownFault &&
        next < inputs.length &&
        done(next, await this.invoke(instance, inputs[next]!))
      )
        break;
      if (stopped.unknownFault) next++;
    }
    return results;
  }

  /**
   * One pass of a run on one isolate, starting no event after `until`; `settle` returns true when the run
   * must stop (throttled). `unknownFault`: the isolate failed without telling which event did it.
   */
  private async runOnIsolate(
    instance: FunctionInstance,
    prepared: Prepared,
    calls: readonly { handler: HandlerName; payload: string }[],
    until: number,
    settle: (index: number, result: InvocationResult) => boolean,
    unkept: (index: number) => boolean = () => false,
  ): Promise<{ ran: number; throttled: boolean; outOfTime: boolean; unknownFault: boolean }> {
    const started = performance.now();
    const pool = this.pool(instance, prepared.settings);
    const acquired = await this.acquire(pool);
    if ('outcome' in acquired) {
      // Code that cannot load fails every event alike.
      calls.forEach((_, i) => settle(i, resultOf(acquired.outcome, prepared.redact)));
      return { ran: calls.length, throttled: false, outOfTime: false, unknownFault: false };
    }
    const { sandbox, cold } = acquired;
    const requests: CapturedRequest[][] = [];
    let throttled = false;
    let outOfTime = false;
    let ran = 0;
    const resultFor = (raw: RawInvocation, index: number, wasCold: boolean) => {
      const judged = this.judge(raw);
      // A success whose logs and requests are not kept loses them anyway: no need to redact them first.
      const bare = judged.verdict.status === 'delivered' && unkept(index);
      if (bare) raw.logs.length = 0; // dropped here, so that nothing unredacted is carried further
      // judge's object is new: adding to it avoids a spread, which is slow per event on this V8.
      const outcome = Object.assign(judged, {
        requests: bare ? [] : (requests[index] ?? []),
        durationMs: raw.wallMs,
        cold: wasCold,
      });
      return resultOf(outcome, bare ? undefined : prepared.redact);
    };
    try {
      const raws = await sandbox.invokeRun(
        calls.map((c) => c.handler),
        calls.map((c) => c.payload),
        prepared.settings,
        (index) => this.hostFor((requests[index] = [])),
        (raw, index) => {
          ran++;
          throttled = settle(index, resultFor(raw, index, cold && index === 0));
          outOfTime = !throttled && Date.now() > until;
          return throttled || outOfTime;
        },
      );
      // The last one may have timed out or run out of memory: stop reports only results it was asked about.
      for (let i = ran; i < raws.length; i++) {
        settle(i, resultFor(raws[i]!, i, false));
        ran++;
      }
      const failed = raws.at(-1);
      const blamed = failed !== undefined && (failed.timedOut || failed.memoryExceeded);
      const unknownFault = !throttled && !outOfTime && !blamed && ran < calls.length;
      return { ran, throttled, outOfTime, unknownFault };
    } catch (cause) {
      sandbox.dispose();
      const error = { name: 'Error', message: (cause as Error).message };
      for (let i = ran; i < calls.length; i++) {
        const outcome = { raw: {}, verdict: classify({ platformFault: true }), error, requests: [], cold };
        settle(i, resultOf({ ...outcome, durationMs: performance.now() - started }, prepared.redact));
      }
      return { ran: calls.length, throttled: false, outOfTime: false, unknownFault: false };
    } finally {
      pool.release(sandbox);
    }
  }

  /** Settings as JSON with their redactor, or the result every invocation gets when they cannot be read. */
  private prepare(instance: FunctionInstance): Prepared | { result: InvocationResult } {
    try {
      const { json, redact } = this.prepareSettings(instance);
      return { settings: json, redact };
    } catch (cause) {
      return {
        result: notRun(classify({ invalidCode: true }), {
          name: 'InvalidSettings',
          message: `the settings are not JSON: ${(cause as Error).message}`,
        }),
      };
    }
  }

  private async acquire(
    pool: InstancePool,
  ): Promise<{ sandbox: SandboxIsolate; cold: boolean } | { outcome: InvocationOutcome }> {
    try {
      return await pool.acquire();
    } catch (cause) {
      const outcome = { raw: {}, requests: [], durationMs: 0, cold: false };
      if (cause instanceof UserCodeError)
        return { outcome: { ...outcome, verdict: classify({ invalidCode: true }), error: codeError(cause) } };
      const error = { name: 'Error', message: (cause as Error).message };
      return { outcome: { ...outcome, verdict: classify({ platformFault: true }), error } };
    }
  }

  /** What an invocation may do outside the isolate: its deadline, and fetch recording into `requests`. */
  private hostFor(requests: CapturedRequest[]): InvocationHost {
    const deadline = Date.now() + this.options.timeoutMs;
    const context = { deadline, requests: 0, record: (request: CapturedRequest) => requests.push(request) };
    return { deadline, fetch: (request) => this.outbound.fetch(request, context) };
  }

  /** Segment's verdict on what ran: timeout, memory, success, or the user's error by its name. */
  private judge(raw: RawInvocation): Pick<InvocationOutcome, 'raw' | 'verdict' | 'error'> {
    if (raw.timedOut) {
      const message = `the function did not finish within ${this.options.timeoutMs} ms`;
      return { raw, verdict: classify({ timedOut: true }), error: { name: 'TimeoutError', message } };
    }
    if (raw.memoryExceeded) {
      const message = `the function used more than ${this.options.sandbox.memoryMb} MB`;
      return {
        raw,
        verdict: classify({ errorName: 'MemoryLimitError' }),
        error: { name: 'MemoryLimitError', message },
      };
    }
    if (raw.ok) return { raw, verdict: classify({ ok: true }) };
    const error = userError(raw.error ?? { name: 'Error', message: 'unknown error' });
    return { raw, verdict: classify({ errorName: error.name }), error };
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

interface Prepared {
  readonly settings: string;
  readonly redact: Redactor | undefined;
}

interface PreparedSettings {
  readonly json: string;
  readonly sensitive: string;
  readonly redact: Redactor | undefined;
}
