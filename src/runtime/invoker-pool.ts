// Runs functions in invoker processes, one per core, so that `switchyard start` uses the whole machine while
// one process owns the store. Each invocation goes to the process with the fewest in flight; a process that
// dies answers its in-flight invocations as retryable platform faults and is started again.
import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import type { Logger } from 'pino';
import type { FunctionInstance, InvocationInput } from './function-runtime.ts';
import type { InvocationResult } from './invocation-result.ts';
import {
  type FromInvoker,
  type Invoker,
  type InvokerStart,
  type RunItem,
  type ToInvoker,
  platformFault,
} from './invoker.ts';
import type { RuntimeOptions } from './runtime-options.ts';

const BIN = path.resolve(import.meta.dirname, '../../bin/switchyard.js');
const RESTART_MS = 1_000;
const STOP_MS = 10_000;

type Answer = (results: readonly (InvocationResult | null)[]) => void;

interface Waiting {
  readonly instance: FunctionInstance;
  readonly inputs: readonly InvocationInput[];
  readonly keep: readonly boolean[] | undefined;
  readonly resolve: Answer;
}

class InvokerProcess {
  ready = false;
  readonly inFlight = new Map<number, { readonly size: number; readonly resolve: Answer }>();
  /** Events in flight here: what the least-busy choice compares. */
  load = 0;
  /** Instance keys whose definition this process has been sent. */
  readonly known = new Set<number>();
  private items: RunItem[] = [];
  private forget: number[] = [];

  constructor(readonly child: ChildProcess) {}

  run(item: RunItem, resolve: Answer): void {
    this.inFlight.set(item.id, { size: item.inputs.length, resolve });
    this.load += item.inputs.length;
    // Invocations go out in groups: one message per turn of the event loop.
    if (this.items.push(item) === 1) setImmediate(() => this.flush());
  }

  drop(key: number): void {
    if (this.known.delete(key)) this.forget.push(key);
  }

  private flush(): void {
    const message: ToInvoker = { t: 'run', items: this.items, forget: this.forget };
    this.items = [];
    this.forget = [];
    if (this.child.connected) this.child.send(message);
  }
}

export class InvokerPool implements Invoker {
  private readonly processes: (InvokerProcess | undefined)[];
  private readonly waiting: Waiting[] = [];
  private readonly keys = new WeakMap<FunctionInstance, number>();
  /** The current key of each instance id: when its definition changes, processes forget the old one. */
  private readonly keyOf = new Map<string, number>();
  private nextKey = 1;
  private nextId = 1;
  private closing = false;

  private reads: boolean;

  /** `storeFile`: the SQLite database the processes read stored deliveries' events from (readsStore). */
  constructor(
    size: number,
    private readonly options: RuntimeOptions,
    private readonly logger: Logger,
    private readonly storeFile?: string,
  ) {
    this.reads = storeFile !== undefined;
    this.processes = Array.from({ length: size }, () => undefined);
    for (let slot = 0; slot < size; slot++) this.spawn(slot);
  }

  /** Until a process could not open the store: from then on the pipeline sends events again. */
  get readsStore(): boolean {
    return this.reads;
  }

  async invoke(
    instance: FunctionInstance,
    input: InvocationInput,
    keep?: boolean,
  ): Promise<InvocationResult> {
    const [result] = await this.dispatch(instance, [input], keep === undefined ? undefined : [keep]);
    return result!;
  }

  async invokeEach(
    instance: FunctionInstance,
    inputs: readonly InvocationInput[],
    keep?: readonly boolean[],
  ): Promise<(InvocationResult | undefined)[]> {
    return (await this.dispatch(instance, inputs, keep)).map((result) => result ?? undefined);
  }

  private dispatch(
    instance: FunctionInstance,
    inputs: readonly InvocationInput[],
    keep: readonly boolean[] | undefined,
  ): Promise<readonly (InvocationResult | null)[]> {
    if (this.closing) return Promise.resolve(faults(inputs.length, 'Switchyard is stopping'));
    return new Promise((resolve) => {
      const target = this.leastBusy();
      if (target === undefined) this.waiting.push({ instance, inputs, keep, resolve });
      else this.send(target, instance, inputs, keep, resolve);
    });
  }

  unload(instanceId: string): void {
    const key = this.keyOf.get(instanceId);
    this.keyOf.delete(instanceId);
    for (const invoker of this.processes) {
      if (key !== undefined) invoker?.drop(key);
      if (invoker?.child.connected) invoker.child.send({ t: 'unload', instanceId } satisfies ToInvoker);
    }
  }

  /** How many invoker processes are ready to run functions, of how many (for /healthz). */
  readiness(): { ready: number; of: number } {
    return { ready: this.pids().length, of: this.processes.length };
  }

  /** The running invoker processes' ids (for operators, and for tests that stop one). */
  pids(): number[] {
    return this.processes.flatMap((invoker) =>
      invoker?.ready && invoker.child.pid ? [invoker.child.pid] : [],
    );
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const waiting of this.waiting.splice(0))
      waiting.resolve(faults(waiting.inputs.length, 'Switchyard is stopping'));
    await Promise.all(
      this.processes.map(async (invoker) => {
        if (invoker === undefined || invoker.child.exitCode !== null) return;
        const exited = new Promise((resolve) => invoker.child.once('exit', resolve));
        // Closing the channel is the signal to stop; a process stuck in a function is killed.
        if (invoker.child.connected) invoker.child.disconnect();
        const timer = setTimeout(() => invoker.child.kill('SIGKILL'), STOP_MS);
        await exited;
        clearTimeout(timer);
      }),
    );
  }

  private leastBusy(): InvokerProcess | undefined {
    let best: InvokerProcess | undefined;
    for (const invoker of this.processes) {
      if (invoker?.ready && (best === undefined || invoker.load < best.load)) best = invoker;
    }
    return best;
  }

  private send(
    target: InvokerProcess,
    instance: FunctionInstance,
    inputs: readonly InvocationInput[],
    keep: readonly boolean[] | undefined,
    resolve: Answer,
  ): void {
    let key = this.keys.get(instance);
    if (key === undefined) {
      key = this.nextKey++;
      this.keys.set(instance, key);
      const previous = this.keyOf.get(instance.id);
      if (previous !== undefined) for (const invoker of this.processes) invoker?.drop(previous);
      this.keyOf.set(instance.id, key);
    }
    const first = !target.known.has(key);
    if (first) target.known.add(key);
    const item = { id: this.nextId++, key, instance: first ? instance : undefined, inputs, keep };
    target.run(item, resolve);
  }

  private spawn(slot: number): void {
    const child = fork(BIN, ['invoker'], {
      execArgv: ['--no-node-snapshot'],
      serialization: 'json',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const invoker = new InvokerProcess(child);
    this.processes[slot] = invoker;
    child.on('message', (message: FromInvoker) => {
      if (message.t === 'ready') {
        invoker.ready = true;
        if (message.readError !== undefined && this.reads) {
          this.reads = false;
          this.logger.error(
            { slot, err: new Error(message.readError) },
            'an invoker process could not open the store; events go to the invoker processes with each invocation',
          );
        }
        for (const waiting of this.waiting.splice(0)) {
          this.send(this.leastBusy()!, waiting.instance, waiting.inputs, waiting.keep, waiting.resolve);
        }
        return;
      }
      for (const [id, results] of message.items) {
        const flight = invoker.inFlight.get(id);
        if (flight === undefined) continue;
        invoker.inFlight.delete(id);
        invoker.load -= flight.size;
        flight.resolve(results);
      }
    });
    // A process that could not start (EMFILE, EAGAIN) emits 'error' and never 'exit': without this listener
    // the error would take the server down, and the slot would never be filled again.
    child.on('error', (error) => {
      this.logger.error({ err: error, slot }, 'invoker process failed');
      if (child.pid === undefined && !this.closing)
        setTimeout(() => this.closing || this.spawn(slot), RESTART_MS).unref();
    });
    child.send({ options: this.options, storeFile: this.storeFile } satisfies InvokerStart, (error) => {
      if (error) this.logger.error({ err: error, slot }, 'could not send the invoker its options');
    });
    child.once('exit', (code, signal) => {
      const lost = [...invoker.inFlight.values()];
      invoker.inFlight.clear();
      invoker.load = 0;
      invoker.ready = false;
      const reason = `the invoker process stopped (${signal ?? `exit code ${code}`})`;
      for (const flight of lost) flight.resolve(faults(flight.size, reason));
      if (this.closing) return;
      this.logger.error({ slot, code, signal, lost: lost.length }, 'invoker process stopped; restarting it');
      // Nothing can run until a process is ready again: queued invocations are answered rather than held.
      if (this.leastBusy() === undefined) {
        for (const waiting of this.waiting.splice(0)) waiting.resolve(faults(waiting.inputs.length, reason));
      }
      setTimeout(() => this.closing || this.spawn(slot), RESTART_MS).unref();
    });
  }
}

function faults(size: number, message: string): InvocationResult[] {
  return Array.from({ length: size }, () => platformFault(message));
}
