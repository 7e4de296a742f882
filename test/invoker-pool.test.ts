// Invoker processes: functions run in child processes, one per core, as `switchyard start` runs them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import type { FunctionInstance } from '../src/runtime/function-runtime.ts';
import { InvokerPool } from '../src/runtime/invoker-pool.ts';
import { runtimeOptions } from '../src/runtime/runtime-options.ts';
import { createTestEvent } from '../src/spec/create-test-event.ts';
import { type HttpSink, startHttpSink } from './helpers/http-sink.ts';

let sink: HttpSink;
let pool: InvokerPool;
before(async () => {
  sink = await startHttpSink();
  // A long deadline: the spinning function's neighbours must all finish before it, even on a loaded machine.
  pool = new InvokerPool(
    2,
    runtimeOptions({ fetchAllow: ['127.0.0.1'], timeoutMs: 8_000 }),
    pino({ level: 'silent' }),
  );
});
after(async () => {
  await pool.close();
  await sink.close();
});

const fn = (id: string, code: string, settings: Record<string, unknown> = {}): FunctionInstance => ({
  id,
  versionId: 'v1',
  code,
  settings,
});

describe('invoker pool', () => {
  it('runs handlers in its processes with the same results as the runtime in process', async () => {
    const forward = fn(
      'forward',
      `async function onTrack(event, settings) {
        console.log('sending', event.event)
        const res = await fetch(settings.url, { method: 'POST', body: JSON.stringify(event) })
        if (!res.ok) throw new RetryError('status ' + res.status)
      }
      async function onBatch(events) { return events.map((e) => ({ status: e.event === 'bad' ? 400 : 200 })) }`,
      { url: `${sink.url}/in` },
    );
    const event = createTestEvent({ event: 'Signed Up' });
    const result = await pool.invoke(forward, { eventJson: JSON.stringify(event) });
    assert.equal(result.status, 'delivered');
    assert.deepEqual(result.logs, [{ level: 'log', message: 'sending Signed Up' }]);
    assert.equal(result.requests[0]?.status, 200);
    assert.equal(
      (JSON.parse(sink.requests.at(-1)!.body) as { messageId: string }).messageId,
      event.messageId,
    );

    const batch = await pool.invoke(forward, {
      eventsJson: [createTestEvent({ event: 'ok' }), createTestEvent({ event: 'bad' })].map((e) =>
        JSON.stringify(e),
      ),
    });
    assert.deepEqual(
      batch.events?.map((e) => e.status),
      ['delivered', 'discarded'],
    );
    const unsupported = await pool.invoke(forward, { event: createTestEvent({ type: 'identify' }) });
    assert.equal(unsupported.category, 'unsupported_event_type');
  });

  it('leaves out the logs and requests of a batch success not kept, but never those of a failure', async () => {
    const batcher = fn(
      'batcher',
      `async function onBatch(events, settings) {
        console.log('batch of', events.length)
        await fetch(settings.url, { method: 'POST', body: JSON.stringify(events) })
        return events.map((e) => ({ status: e.event === 'bad' ? 400 : 200 }))
      }`,
      { url: `${sink.url}/batch` },
    );
    const batch = (...names: string[]) => ({
      eventsJson: names.map((event) => JSON.stringify(createTestEvent({ event }))),
    });
    const unkept = await pool.invoke(batcher, batch('a', 'b'), false);
    assert.deepEqual([unkept.status, unkept.logs, unkept.requests], ['delivered', [], []]);
    const kept = await pool.invoke(batcher, batch('a', 'b'), true);
    assert.deepEqual(kept.logs, [{ level: 'log', message: 'batch of 2' }]);
    assert.equal(kept.requests.length, 1);
    // An event of the batch failed: its attempt is kept whatever the sample said, with the batch's detail.
    const failed = await pool.invoke(batcher, batch('a', 'bad'), false);
    assert.deepEqual(
      failed.events?.map((e) => e.status),
      ['delivered', 'discarded'],
    );
    assert.deepEqual(failed.logs, [{ level: 'log', message: 'batch of 2' }]);
    assert.equal(failed.requests.length, 1);
  });

  it('runs the new code when an instance changes and after it is unloaded', async () => {
    const v1 = fn('versioned', `async function onTrack() { console.log('one') }`);
    const v2 = { ...v1, versionId: 'v2', code: `async function onTrack() { console.log('two') }` };
    for (let i = 0; i < 4; i++)
      assert.equal((await pool.invoke(v1, { event: createTestEvent() })).logs[0]?.message, 'one');
    for (let i = 0; i < 4; i++)
      assert.equal((await pool.invoke(v2, { event: createTestEvent() })).logs[0]?.message, 'two');
    pool.unload('versioned');
    const v3 = { ...v1, versionId: 'v3', code: `async function onTrack() { console.log('three') }` };
    assert.equal((await pool.invoke(v3, { event: createTestEvent() })).logs[0]?.message, 'three');
  });

  it('keeps other functions running in another process while one spins after an await', async () => {
    const spinner = fn(
      'spinner',
      `async function onTrack() { await fetch('${sink.url}/'); while (true) {} }`,
    );
    const healthy = fn('healthy', `async function onTrack(event) { return event.event }`);
    // Both processes up (on a loaded machine the second may still be starting).
    const deadline = Date.now() + 20_000;
    while (pool.pids().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(pool.pids().length, 2);
    let spinnerDone = false;
    const spinning = pool.invoke(spinner, { event: createTestEvent() }).then((result) => {
      spinnerDone = true;
      return result;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (let i = 0; i < 20; i++) {
      assert.equal((await pool.invoke(healthy, { event: createTestEvent() })).status, 'delivered');
    }
    assert.equal(spinnerDone, false, 'the neighbours were not held up by the spinning process');
    const stopped = await spinning;
    assert.equal(stopped.status, 'retry');
    assert.equal(stopped.error?.name, 'TimeoutError');
  });

  it('answers the invocations of a process that dies as retryable, and starts it again', async () => {
    const slow = fn('slow', `async function onTrack() { await new Promise((r) => setTimeout(r, 1000)) }`);
    const before = pool.pids();
    assert.equal(before.length, 2);
    const running = Array.from({ length: 4 }, () => pool.invoke(slow, { event: createTestEvent() }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    process.kill(before[0]!, 'SIGKILL');
    const results = await Promise.all(running);
    const lost = results.filter((r) => r.status === 'retry');
    assert.ok(lost.length >= 1, 'the killed process’s invocations are answered');
    for (const r of lost) assert.match(r.error?.message ?? '', /invoker process stopped \(SIGKILL\)/);
    assert.ok(
      results.some((r) => r.status === 'delivered'),
      'the other process’s invocations finish',
    );
    // Started again within about a second.
    const deadline = Date.now() + 15_000;
    while (pool.pids().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.equal(pool.pids().length, 2);
    assert.ok(!pool.pids().includes(before[0]!));
    const again = await Promise.all(
      Array.from({ length: 4 }, () =>
        pool.invoke(fn('after', 'async function onTrack() {}'), { event: createTestEvent() }),
      ),
    );
    assert.deepEqual(
      again.map((r) => r.status),
      ['delivered', 'delivered', 'delivered', 'delivered'],
    );
  });

  it('runs a run of events one after another, each its own invocation, and stops it at a 429', async () => {
    // The sink answers by event name: "fail" gets a 500, "slow-down" a 429 with Retry-After, the rest 200.
    sink.handle((request, response) => {
      const name = (JSON.parse(request.body) as { event: string }).event;
      if (name === 'fail') response.writeHead(500).end('{}');
      else if (name === 'slow-down') response.writeHead(429, { 'retry-after': '7' }).end('{}');
      else response.writeHead(200).end('{}');
    });
    const forward = fn(
      'runs',
      `async function onTrack(event, settings) {
        console.log('sending', event.event)
        const res = await fetch(settings.url, { method: 'POST', body: JSON.stringify(event) })
        if (!res.ok) throw new RetryError('status ' + res.status)
      }`,
      { url: `${sink.url}/runs` },
    );
    const run = (names: string[]) =>
      names.map((name) => ({ eventJson: JSON.stringify(createTestEvent({ event: name })) }));
    try {
      const results = await pool.invokeEach(forward, run(['a', 'fail', 'b', 'c']), [
        false,
        false,
        true,
        false,
      ]);
      assert.deepEqual(
        results.map((r) => r?.status),
        ['delivered', 'retry', 'delivered', 'delivered'],
      );
      // Each result carries its own event's console line and request, never a neighbour's.
      assert.deepEqual(results[1]?.logs, [{ level: 'log', message: 'sending fail' }]);
      assert.equal(results[1]?.requests[0]?.status, 500);
      assert.deepEqual(results[2]?.logs, [{ level: 'log', message: 'sending b' }]);
      assert.equal(results[2]?.requests.length, 1);
      // A success that the pipeline will not keep comes back without logs and requests; a failure always has them.
      assert.deepEqual([results[0]?.logs, results[0]?.requests], [[], []]);
      assert.deepEqual([results[3]?.logs, results[3]?.requests], [[], []]);

      const before = sink.requests.filter((r) => r.url === '/runs').length;
      const throttled = await pool.invokeEach(forward, run(['d', 'slow-down', 'e', 'f']));
      assert.deepEqual(
        throttled.map((r) => r?.status),
        ['delivered', 'retry', undefined, undefined],
      );
      assert.equal(throttled[1]?.retryAfterMs, 7_000);
      // The events after the 429 were not sent: the destination asked to wait.
      assert.equal(sink.requests.filter((r) => r.url === '/runs').length - before, 2);
    } finally {
      sink.handle((_request, response) => response.writeHead(200).end('{"ok":true}'));
    }
  });
});
