import type { FunctionInstance, InvocationInput } from './function-runtime.ts';
import { classify, notRun } from './classify.ts';
import type { InvocationResult } from './invocation-result.ts';
import type { RuntimeOptions } from './runtime-options.ts';

/**
 * What runs functions for the pipeline and the editor's test runs: the runtime in this process
 * (FunctionRuntime), or a pool of invoker processes, one per core (InvokerPool).
 */
export interface Invoker {
  /**
   * Takes stored deliveries by id ({delivery}, {deliveries}) and reads their events itself: invoker processes
   * on SQLite. Otherwise the pipeline sends the events' JSON.
   */
  readonly readsStore: boolean;
  /**
   * Runs the handler and settles the outcome. Never throws. `keep` false: a success (every event of a batch
   * delivered) comes back without its logs and requests, which the pipeline would not keep.
   */
  invoke(instance: FunctionInstance, input: InvocationInput, keep?: boolean): Promise<InvocationResult>;
  /** Runs single events one after another, each its own invocation (FunctionRuntime.invokeEach). */
  invokeEach(
    instance: FunctionInstance,
    inputs: readonly InvocationInput[],
    keep?: readonly boolean[],
  ): Promise<(InvocationResult | undefined)[]>;
  /** Drops an instance's warm isolates now. */
  unload(instanceId: string): void;
  close(): Promise<void>;
}

/** Messages between the pool and its processes (structured clone over the IPC channel). */
export type ToInvoker =
  | { readonly t: 'run'; readonly items: readonly RunItem[]; readonly forget: readonly number[] }
  | { readonly t: 'unload'; readonly instanceId: string };

/** The first message a process gets: its runtime's options, and the SQLite file it reads events from. */
export interface InvokerStart {
  readonly options: RuntimeOptions;
  readonly storeFile?: string | undefined;
}

export interface RunItem {
  readonly id: number;
  /** The pool's number for the instance; its definition comes with the first item that uses it. */
  readonly key: number;
  readonly instance?: FunctionInstance | undefined;
  /** One input is one invocation; more run one after another (invokeEach). */
  readonly inputs: readonly InvocationInput[];
  readonly keep?: readonly boolean[] | undefined;
}

export type FromInvoker =
  // readError: the process could not open the store to read stored deliveries (InvokerStart.storeFile).
  | { readonly t: 'ready'; readonly readError?: string }
  | {
      readonly t: 'done';
      readonly items: readonly (readonly [number, readonly (InvocationResult | null)[]])[];
    };

/** The result of an invocation the platform could not run (its process died, or never started): retried. */
export function platformFault(message: string): InvocationResult {
  return notRun(classify({ platformFault: true }), { name: 'Error', message });
}
