// Isolates over time: LRU and idle eviction, unloading, the per-instance isolate bound and its queue.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type FunctionInstance, FunctionRuntime } from '../src/runtime/function-runtime.ts';
import { runtimeOptions } from '../src/runtime/runtime-options.ts';
import { createTestEvent } from '../src/spec/create-test-event.ts';

const counter = (id: string): FunctionInstance => ({
  id,
  versionId: 'v1',
  code: `let n = 0\nasync function onTrack() { n++; console.log(String(n)) }`,
  settings: {},
});
const count = async (runtime: FunctionRuntime, fn: FunctionInstance) =>
  (await runtime.invoke(fn, { event: createTestEvent() })).logs[0]?.message;

describe('runtime lifecycle', () => {
  it('keeps at most maxInstances warm, unloading the least recently used', async () => {
    const runtime = new FunctionRuntime(runtimeOptions({ maxInstances: 2 }));
    try {
      const [a, b, c] = [counter('a'), counter('b'), counter('c')];
      assert.equal(await count(runtime, a), '1');
      assert.equal(await count(runtime, b), '1');
      assert.equal(await count(runtime, a), '2'); // a is now the most recently used
      assert.equal(await count(runtime, c), '1'); // evicts b
      assert.equal(runtime.stats().instances, 2);
      assert.equal(await count(runtime, a), '3', 'a stayed warm');
      assert.equal(await count(runtime, b), '1', 'b was unloaded and starts fresh');
    } finally {
      await runtime.close();
    }
  });

  it('unloads instances idle for idleMs', async () => {
    const runtime = new FunctionRuntime(runtimeOptions({ idleMs: 200 }));
    try {
      const fn = counter('idle');
      assert.equal(await count(runtime, fn), '1');
      await new Promise((resolve) => setTimeout(resolve, 1_300));
      assert.equal(runtime.stats().instances, 0);
      assert.equal(await count(runtime, fn), '1');
    } finally {
      await runtime.close();
    }
  });

  it('unload drops an instance now', async () => {
    const runtime = new FunctionRuntime(runtimeOptions({}));
    try {
      const fn = counter('gone');
      await count(runtime, fn);
      runtime.unload('gone');
      assert.equal(runtime.stats().isolates, 0);
      assert.equal(await count(runtime, fn), '1');
    } finally {
      await runtime.close();
    }
  });

  it('runs concurrent invocations of one instance on at most maxIsolatesPerInstance isolates', async () => {
    const runtime = new FunctionRuntime(
      runtimeOptions({ maxIsolatesPerInstance: 2, maxWaitingPerInstance: 3 }),
    );
    try {
      const slow: FunctionInstance = {
        id: 'slow',
        versionId: 'v1',
        code: 'async function onTrack() { await new Promise((r) => setTimeout(r, 50)) }',
        settings: {},
      };
      const results = await Promise.all(
        Array.from({ length: 6 }, () => runtime.invoke(slow, { event: createTestEvent() })),
      );
      assert.equal(runtime.stats().isolates, 2);
      const statuses = results.map((r) => r.status);
      assert.equal(statuses.filter((s) => s === 'delivered').length, 5, '2 running + 3 waiting');
      const refused = results.find((r) => r.status === 'retry');
      assert.deepEqual(
        [refused?.category, refused?.error?.message],
        ['retry', 'too many invocations are waiting for this instance'],
      );
    } finally {
      await runtime.close();
    }
  });
});
