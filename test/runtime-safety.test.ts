// Hostile code: it must not escape, stall or crash the host, and its neighbours must keep working.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FunctionRuntime, type FunctionInstance } from '../src/runtime/function-runtime.ts';
import { runtimeOptions } from '../src/runtime/runtime-options.ts';
import { createTestEvent } from '../src/spec/create-test-event.ts';
import { type HttpSink, startHttpSink } from './helpers/http-sink.ts';

const TIMEOUT_MS = 400;
let runtime: FunctionRuntime;
let sink: HttpSink;
before(async () => {
  sink = await startHttpSink();
  runtime = new FunctionRuntime(
    runtimeOptions({ fetchAllow: ['127.0.0.1'], timeoutMs: TIMEOUT_MS, sandbox: { memoryMb: 32 } }),
  );
});
after(async () => {
  await runtime.close();
  await sink.close();
});

let nextId = 0;
const fn = (code: string): FunctionInstance => ({
  id: `hostile-${++nextId}`,
  versionId: 'v1',
  code,
  settings: {},
});
const healthy = fn(`let n = 0\nasync function onTrack(event) { n++; console.log('ok', n) }`);

/** After every attack: the host is fine and a well-behaved function still works. */
async function assertNeighbourWorks(): Promise<void> {
  const result = await runtime.invoke(healthy, { event: createTestEvent() });
  assert.equal(result.status, 'delivered');
  assert.equal(({} as Record<string, unknown>).polluted, undefined, 'the host Object.prototype is untouched');
}

describe('runtime safety: CPU and time', () => {
  const attacks: [string, string][] = [
    ['while(true){}', 'async function onTrack() { while (true) {} }'],
    [
      'a loop after a resolved await',
      'async function onTrack() { await Promise.resolve(); while (true) {} }',
    ],
    [
      'a loop after awaiting a host fetch',
      `async function onTrack() { await fetch('SINK/'); while (true) {} }`,
    ],
    ['for(;;) await null', 'async function onTrack() { for (;;) await null }'],
    ['a promise that never settles', 'async function onTrack() { await new Promise(() => {}) }'],
    [
      'a timer chain that never ends',
      'async function onTrack() { for (;;) await new Promise((r) => setTimeout(r, 1)) }',
    ],
    ['a loop in the top level code', 'while (true) {}\nasync function onTrack() {}'],
  ];
  for (const [name, code] of attacks) {
    it(`stops ${name} at the deadline and rebuilds the isolate`, async () => {
      const hostile = fn(code.replace('SINK', sink.url));
      const started = performance.now();
      const result = await runtime.invoke(hostile, { event: createTestEvent() });
      const took = performance.now() - started;
      if (name.includes('top level')) {
        assert.equal(result.category, 'invalid_settings');
        assert.equal(result.error?.name, 'TimeoutError');
      } else {
        assert.deepEqual(
          [result.status, result.category, result.error?.name],
          ['retry', 'retry', 'TimeoutError'],
        );
      }
      assert.ok(took < TIMEOUT_MS + 1_500, `stopped after ${Math.round(took)} ms`);
      // The same instance runs again on a fresh isolate.
      const again = await runtime.invoke(hostile, { event: createTestEvent() });
      assert.ok(again.coldStart || again.category === 'invalid_settings');
      await assertNeighbourWorks();
    });
  }
});

describe('runtime safety: memory', () => {
  // A generous deadline, so that the memory limit — not the clock — is what stops the bombs, even on a busy
  // machine.
  let roomy: FunctionRuntime;
  before(() => {
    roomy = new FunctionRuntime(runtimeOptions({ timeoutMs: 10_000, sandbox: { memoryMb: 32 } }));
  });
  after(() => roomy.close());

  it('a heap bomb is stopped by the memory limit and the isolate is rebuilt', async () => {
    const bomb = fn(
      'const keep = []\nasync function onTrack() { for (;;) keep.push(new Array(100000).fill({ x: Math.random() })) }',
    );
    const rss = process.memoryUsage().rss;
    const result = await roomy.invoke(bomb, { event: createTestEvent() });
    assert.equal(result.status, 'discarded');
    assert.ok(
      ['MemoryLimitError', 'RangeError'].includes(result.error?.name ?? ''),
      JSON.stringify(result.error),
    );
    assert.ok(process.memoryUsage().rss - rss < 512 * 1024 * 1024, 'the host did not balloon');
    await assertNeighbourWorks();
  });

  it('an ArrayBuffer bomb is refused inside the isolate', async () => {
    const bomb = fn(`const keep = []
async function onTrack() { for (let i = 0; i < 200; i++) { const b = new Uint8Array(16 * 1024 * 1024); b.fill(1); keep.push(b) } }`);
    const rss = process.memoryUsage().rss;
    const result = await roomy.invoke(bomb, { event: createTestEvent() });
    assert.equal(result.status, 'discarded', JSON.stringify(result.error));
    assert.ok(process.memoryUsage().rss - rss < 512 * 1024 * 1024, 'the host did not balloon');
    await assertNeighbourWorks();
  });
});

describe('runtime safety: no host object is reachable', () => {
  it('constructor chains lead back into the isolate only', async () => {
    const result = await runtime.invoke(
      fn(`async function onTrack(event, settings) {
        const probes = [
          this && this.constructor && this.constructor.constructor('return this')(),
          fetch.constructor.constructor('return this')(),
          console.log.constructor('return this')(),
          event.constructor.constructor('return this')(),
          crypto.createHash.constructor('return this')(),
          Object.getPrototypeOf(settings).constructor.constructor('return this')(),
        ];
        console.log(probes.map((g) => typeof (g && g.process)).join());
        try { console.log.constructor('return process')() } catch (e) { console.log(e.name) }
        const names = Object.getOwnPropertyNames(globalThis).filter((n) => n.startsWith('__'));
        const values = Object.getOwnPropertyNames(globalThis).map((n) => { try { return globalThis[n] } catch { return undefined } });
        console.log(names.join() || 'none', values.some((v) => v && typeof v.applySync === 'function'));
      }`),
      { event: createTestEvent() },
    );
    assert.deepEqual(
      result.logs.map((l) => l.message),
      ['undefined,undefined,undefined,undefined,undefined,undefined', 'ReferenceError', 'none false'],
    );
  });

  it('tampering with prototypes and Error stack hooks stays inside the isolate', async () => {
    const tamper = fn(`async function onTrack(event) {
      Object.prototype.polluted = 'yes';
      Object.getPrototypeOf(event).polluted2 = 'yes';
      Array.prototype.push = () => { throw new Error('hijacked') };
      JSON.stringify = () => '{"ok":true}';
      Error.prepareStackTrace = (error, frames) => frames.map((f) => typeof f.getThis === 'function' ? String(f.getThis()) : '').join();
      try { atob('%%%') } catch (e) { console.log(typeof e.stack, String(e.stack).includes('process')) }
      try { crypto.createHash(123) } catch (e) { console.log(e.message) }
      throw new Error('after tampering');
    }`);
    const result = await runtime.invoke(tamper, { event: createTestEvent() });
    assert.equal(
      result.status,
      'delivered',
      'the user replaced JSON.stringify: its own result is its own business',
    );
    await assertNeighbourWorks();
    assert.equal(({} as Record<string, unknown>).polluted2, undefined);
    assert.equal(JSON.stringify({ a: 1 }), '{"a":1}');
  });

  it('bad values handed to the host services are refused, not crashes', async () => {
    const result = await runtime.invoke(
      fn(`async function onTrack() {
        const attempts = [
          () => crypto.randomBytes(1e9),
          () => crypto.randomBytes(-1),
          () => crypto.createHmac('sha256', { not: 'a key' }),
          () => Buffer.from('x', 'no-such-encoding'),
          () => new URL({ toString() { throw new Error('x') } }),
          () => btoa('\\u2603'),
          () => new TextDecoder().decode('not bytes'),
        ];
        for (const attempt of attempts) { try { attempt(); console.log('no error') } catch (e) { console.log(e.name) } }
        const weird = await fetch({ toString: () => 'not a url' }).catch((e) => e.name);
        console.log(weird);
      }`),
      { event: createTestEvent() },
    );
    assert.equal(result.status, 'delivered', JSON.stringify(result.error));
    assert.deepEqual(
      result.logs.map((l) => l.message),
      ['RangeError', 'RangeError', 'TypeError', 'TypeError', 'Error', 'Error', 'TypeError', 'FetchError'],
    );
    await assertNeighbourWorks();
  });
});
