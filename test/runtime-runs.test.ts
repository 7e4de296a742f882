// Runs (FunctionRuntime.invokeEach): events one after another in one isolate, each its own invocation — the
// same results as invoking them one by one, whatever an event does: log, fetch, throw, spin, exhaust memory,
// leave a timer or an unawaited fetch behind.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type FunctionInstance, FunctionRuntime } from '../src/runtime/function-runtime.ts';
import type { InvocationResult } from '../src/runtime/invocation-result.ts';
import { runtimeOptions } from '../src/runtime/runtime-options.ts';
import { createTestEvent } from '../src/spec/create-test-event.ts';
import { type HttpSink, startHttpSink } from './helpers/http-sink.ts';

let sink: HttpSink;
let runtime: FunctionRuntime;
before(async () => {
  sink = await startHttpSink();
  runtime = new FunctionRuntime(
    runtimeOptions({ fetchAllow: ['127.0.0.1'], timeoutMs: 1_500, sandbox: { memoryMb: 32 } }),
  );
});
after(async () => {
  await runtime.close();
  await sink.close();
});

let nextId = 0;
const fn = (code: string): FunctionInstance => ({
  id: `runs-${++nextId}`,
  versionId: 'v1',
  code,
  settings: { url: sink.url },
});
const events = (...names: string[]) =>
  names.map((name) => ({ eventJson: JSON.stringify(createTestEvent({ event: name })), type: 'track' }));
const summary = (results: (InvocationResult | undefined)[]) =>
  results.map((r) => (r === undefined ? 'not run' : `${r.status}${r.error ? ` ${r.error.name}` : ''}`));

describe('runs of events', () => {
  it('gives each event its own logs, requests, error and time, as separate invocations would', async () => {
    const f = fn(`let n = 0
      async function onTrack(event, settings) {
        n++
        console.log(event.event, n)
        if (event.event.startsWith('send')) await fetch(settings.url + '/' + event.event, { method: 'POST' })
        if (event.event === 'bad') throw new ValidationError('bad event')
      }`);
    const results = await runtime.invokeEach(f, events('a', 'b', 'send-1', 'c', 'bad', 'send-2', 'd'));
    assert.deepEqual(summary(results), [
      'delivered',
      'delivered',
      'delivered',
      'delivered',
      'discarded ValidationError',
      'delivered',
      'delivered',
    ]);
    // Module state carries over from event to event, as on one warm Lambda container.
    assert.deepEqual(
      results.map((r) => r?.logs.map((l) => l.message)),
      [['a 1'], ['b 2'], ['send-1 3'], ['c 4'], ['bad 5'], ['send-2 6'], ['d 7']],
    );
    assert.deepEqual(
      results.map((r) => r?.requests.map((q) => q.url.replace(sink.url, ''))),
      [[], [], ['/send-1'], [], [], ['/send-2'], []],
    );
    assert.ok(results.every((r) => r !== undefined && r.durationMs >= 0 && r.cpuMs >= 0));
    assert.equal(results[4]?.error?.message, 'bad event');
  });

  it('matches invoking each event separately', async () => {
    const code = `async function onTrack(event) {
      console.log('got', event.event)
      if (event.event === 'nope') throw new EventNotSupported('not this one')
      if (event.event === 'later') throw new RetryError('try again')
    }`;
    const inputs = events('x', 'nope', 'later', 'y');
    const together = await runtime.invokeEach(fn(code), inputs);
    const apart = [];
    const single = fn(code);
    for (const input of inputs) apart.push(await runtime.invoke(single, input));
    const comparable = (r: InvocationResult | undefined) => [
      r?.status,
      r?.category,
      r?.error?.message,
      r?.logs,
    ];
    assert.deepEqual(together.map(comparable), apart.map(comparable));
  });

  it('stops an event that spins at its own deadline; the others run, the rest on a fresh isolate', async () => {
    const f = fn(`async function onTrack(event) {
      console.log(event.event)
      if (event.event === 'spin') for (;;) {}
    }`);
    const results = await runtime.invokeEach(f, events('a', 'spin', 'b', 'c'));
    assert.deepEqual(summary(results), ['delivered', 'retry TimeoutError', 'delivered', 'delivered']);
    assert.deepEqual(results[2]?.logs, [{ level: 'log', message: 'b' }]);
  });

  it('stops an event that spins after a fetch, and blames that one', async () => {
    const f = fn(`async function onTrack(event, settings) {
      await fetch(settings.url + '/spin-after-fetch', { method: 'POST' })
      if (event.event === 'spin') for (;;) {}
    }`);
    const results = await runtime.invokeEach(f, events('a', 'spin', 'b'));
    assert.deepEqual(summary(results), ['delivered', 'retry TimeoutError', 'delivered']);
  });

  it('blames the event that exhausts memory, not its neighbours', async () => {
    const f = fn(`const keep = []
      async function onTrack(event) {
        if (event.event === 'bomb') for (;;) keep.push(new Array(100000).fill({ x: Math.random() }))
      }`);
    const results = await runtime.invokeEach(f, events('a', 'b', 'bomb', 'c'));
    assert.deepEqual(summary(results).slice(0, 2), ['delivered', 'delivered']);
    assert.match(summary(results)[2]!, /^discarded (MemoryLimitError|RangeError)$/);
    assert.equal(summary(results)[3], 'delivered');
  });

  it('lets nothing an event left behind reach the next one', async () => {
    const before = sink.requests.filter((r) => r.url === '/left-behind').length;
    const f = fn(`async function onTrack(event, settings) {
      if (event.event === 'first') {
        setTimeout(() => console.log('late timer'), 0)
        fetch(settings.url + '/left-behind', { method: 'POST' })
      }
      console.log('ran', event.event)
    }`);
    const results = await runtime.invokeEach(f, events('first', 'second', 'third'));
    assert.deepEqual(
      results.map((r) => r?.logs.map((l) => l.message)),
      [['ran first'], ['ran second'], ['ran third']],
    );
    assert.deepEqual(
      results.map((r) => r?.requests.length),
      [0, 0, 0],
    );
    // As after a separate invocation: an operation an event did not await is never performed.
    assert.equal(sink.requests.filter((r) => r.url === '/left-behind').length, before);
  });

  it('settles events the isolate need not see (unsupported type, not JSON) in their place', async () => {
    const f = fn(`async function onTrack(event) { console.log(event.event) }`);
    const identify = { eventJson: JSON.stringify(createTestEvent({ type: 'identify' })) };
    const results = await runtime.invokeEach(f, [
      ...events('a'),
      identify,
      { eventJson: '{not json' },
      ...events('b'),
    ]);
    assert.deepEqual(summary(results), [
      'delivered',
      'discarded EventNotSupported',
      'discarded InvalidEventPayload',
      'delivered',
    ]);
    assert.deepEqual(results[3]?.logs, [{ level: 'log', message: 'b' }]);
  });

  it('fails every event alike when the code does not compile', async () => {
    const results = await runtime.invokeEach(fn('async function onTrack( {'), events('a', 'b'));
    assert.deepEqual(
      results.map((r) => r?.category),
      ['invalid_settings', 'invalid_settings'],
    );
  });
});
