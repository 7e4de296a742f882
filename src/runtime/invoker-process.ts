// The child side of InvokerPool: one process per core running functions for the process that owns the
// store. It holds its own warm isolates; a function that spins or crashes it stalls only this process.
import { type FunctionInstance, FunctionRuntime } from './function-runtime.ts';
import type { InvocationInput } from './invocation-input.ts';
import type { InvocationResult } from './invocation-result.ts';
import {
  type FromInvoker,
  type InvokerStart,
  type RunItem,
  type ToInvoker,
  platformFault,
} from './invoker.ts';
import { type Resolved, StoredEvents } from './stored-events.ts';

const isBatch = (input: InvocationInput) =>
  'events' in input || 'eventsJson' in input || 'deliveries' in input;
const isStored = (input: InvocationInput) => 'delivery' in input || 'deliveries' in input;

/** `switchyard invoker`: started by InvokerPool over an IPC channel; exits when that channel closes. */
export async function runInvokerProcess(): Promise<number> {
  const send = process.send?.bind(process);
  if (send === undefined) {
    process.stderr.write('switchyard: invoker runs only as a child of switchyard start\n');
    return 64;
  }
  const { options, storeFile } = await new Promise<InvokerStart>((resolve) =>
    process.once('message', resolve),
  );
  const runtime = new FunctionRuntime(options);
  let stored: StoredEvents | undefined;
  let readError: string | undefined;
  try {
    stored = storeFile === undefined ? undefined : new StoredEvents(storeFile);
  } catch (error) {
    // Not a reason to stop: the pool goes back to sending events, and this process runs those.
    readError = (error as Error).message;
  }
  const instances = new Map<number, FunctionInstance>();
  // Results go back in groups: one message for whatever finished in the same turn of the event loop.
  let finished: [number, (InvocationResult | null)[]][] = [];
  const flush = () => {
    const items = finished;
    finished = [];
    send({ t: 'done', items } satisfies FromInvoker);
  };
  const complete = (id: number, results: (InvocationResult | undefined)[]) => {
    // JSON has no undefined: an event a run did not reach travels as null.
    if (finished.push([id, results.map((result) => result ?? null)]) === 1) setImmediate(flush);
  };

  const dispatch = (
    instance: FunctionInstance,
    inputs: readonly InvocationInput[],
    keep: readonly boolean[] | undefined,
    answer: (results: (InvocationResult | undefined)[]) => void,
  ) => {
    const [only] = inputs;
    // One input: an event on its own, or a batch (whose `keep` is the whole invocation's).
    if (only === undefined) answer([]);
    else if (inputs.length === 1 && (keep === undefined || isBatch(only)))
      void runtime.invoke(instance, only, keep?.[0]).then((result) => answer([result]));
    else void runtime.invokeEach(instance, inputs, keep).then(answer);
  };
  const run = (id: number, instance: FunctionInstance, item: RunItem) => {
    if (stored === undefined || !item.inputs.some(isStored)) {
      dispatch(instance, item.inputs, item.keep, (results) => complete(id, results));
      return;
    }
    // Stored deliveries: their events are read here, and one whose event is gone is answered without running.
    let resolved: Resolved[];
    try {
      resolved = stored.resolve(item.inputs);
    } catch (error) {
      const fault = platformFault(`could not read the stored events: ${(error as Error).message}`);
      complete(
        id,
        item.inputs.map(() => fault),
      );
      return;
    }
    const runnable = resolved.flatMap((r, i) => (r.input === null ? [] : [i]));
    const keep = item.keep && runnable.map((i) => item.keep![i]!);
    dispatch(
      instance,
      runnable.map((i) => resolved[i]!.input!),
      keep,
      // The results of what ran, in order, back in the places of their inputs.
      (ran) => {
        let next = 0;
        complete(
          id,
          resolved.map((r) => r.result(r.input === null ? undefined : ran[next++])),
        );
      },
    );
  };
  // One run per turn of the event loop: a run of quick functions completes within its turn, so its results
  // go back while the next one runs, rather than all of a message's results at once after the last. The
  // pipeline keeps claiming and settling meanwhile instead of waiting for the whole group.
  const queue: [FunctionInstance, RunItem][] = [];
  const pump = () => {
    const next = queue.shift();
    if (queue.length > 0) setImmediate(pump);
    if (next) run(next[1].id, ...next);
  };

  process.on('message', (message: ToInvoker) => {
    if (message.t === 'unload') {
      runtime.unload(message.instanceId);
      return;
    }
    for (const key of message.forget) instances.delete(key);
    for (const item of message.items) {
      if (item.instance) instances.set(item.key, item.instance);
      const instance = instances.get(item.key);
      if (instance === undefined) {
        const fault = platformFault('the invoker process did not know the function');
        complete(
          item.id,
          item.inputs.map(() => fault),
        );
        continue;
      }
      if (queue.push([instance, item]) === 1) setImmediate(pump);
    }
  });
  send({ t: 'ready', readError } satisfies FromInvoker);
  await new Promise((resolve) => process.once('disconnect', resolve));
  await runtime.close();
  stored?.close();
  return 0;
}
