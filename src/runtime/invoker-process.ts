// The child side of InvokerPool: one process per core running functions for the process that owns the
// store. It holds its own warm isolates; a function that spins or crashes it stalls only this process.
import { type FunctionInstance, FunctionRuntime } from './function-runtime.ts';
import type { InvocationResult } from './invocation-result.ts';
import { type FromInvoker, type ToInvoker, platformFault } from './invoker.ts';
import type { RuntimeOptions } from './runtime-options.ts';

/** `switchyard invoker`: started by InvokerPool over an IPC channel; exits when that channel closes. */
export async function runInvokerProcess(): Promise<number> {
  const send = process.send?.bind(process);
  if (send === undefined) {
    process.stderr.write('switchyard: invoker runs only as a child of switchyard start\n');
    return 64;
  }
  const options = await new Promise<RuntimeOptions>((resolve) =>
    process.once('message', (message: { options: RuntimeOptions }) => resolve(message.options)),
  );
  const runtime = new FunctionRuntime(options);
  const instances = new Map<number, FunctionInstance>();
  // Results go back in groups: one message for whatever finished in the same turn of the event loop.
  let finished: [number, InvocationResult][] = [];
  const flush = () => {
    const items = finished;
    finished = [];
    send({ t: 'done', items } satisfies FromInvoker);
  };
  const complete = (id: number, result: InvocationResult) => {
    if (finished.push([id, result]) === 1) setImmediate(flush);
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
        complete(item.id, platformFault('the invoker process did not know the function'));
        continue;
      }
      void runtime.invoke(instance, item.input).then((result) => complete(item.id, result));
    }
  });
  send({ t: 'ready' } satisfies FromInvoker);
  await new Promise((resolve) => process.once('disconnect', resolve));
  await runtime.close();
  return 0;
}
