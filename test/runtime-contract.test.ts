// Segment's handler contract in the real isolated-vm runtime: handlers, errors and their categories, state,
// settings, onBatch, compile errors, console capture, redaction.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type FunctionInstance,
  FunctionRuntime,
  type InvocationInput,
} from '../src/runtime/function-runtime.ts';
import { runtimeOptions } from '../src/runtime/runtime-options.ts';
import { createTestEvent } from '../src/spec/create-test-event.ts';
import { type HttpSink, startHttpSink } from './helpers/http-sink.ts';

let runtime: FunctionRuntime;
let sink: HttpSink;
before(async () => {
  sink = await startHttpSink();
  runtime = new FunctionRuntime(runtimeOptions({ fetchAllow: ['127.0.0.1'], timeoutMs: 2_000 }));
});
after(async () => {
  await runtime.close();
  await sink.close();
});

let nextId = 0;
function instance(
  code: string,
  settings: Record<string, unknown> = {},
  extra: Partial<FunctionInstance> = {},
): FunctionInstance {
  return { id: `dest-${++nextId}`, versionId: 'v1', code, settings, ...extra };
}
const run = (
  code: string,
  input: InvocationInput = { event: createTestEvent() },
  settings?: Record<string, unknown>,
) => runtime.invoke(instance(code, settings), input);

describe('runtime: handlers', () => {
  it('calls the handler named after event.type, with the event and settings', async () => {
    const code = `
      async function onIdentify(event, settings) { console.log('identify', event.traits.email, settings.region) }
      async function onTrack(event, settings) { console.log('track', event.event, settings.region) }
      async function onPage(event) { console.log('page', event.name) }
      async function onScreen(event) { console.log('screen', event.name) }
      async function onGroup(event) { console.log('group', event.groupId) }
      async function onAlias(event) { console.log('alias', event.previousId) }
      async function onDelete(event) { console.log('delete', event.userId) }`;
    const fn = instance(code, { region: 'eu' });
    const expected = {
      identify: 'identify peter@example.com eu',
      track: 'track Order Completed eu',
      page: 'page Pricing',
      screen: 'screen Home',
      group: 'group group-99',
      alias: 'alias anon-5678',
      delete: 'delete user-1234',
    } as const;
    for (const [type, line] of Object.entries(expected)) {
      const result = await runtime.invoke(fn, {
        event: createTestEvent({ type: type as keyof typeof expected }),
      });
      assert.equal(result.status, 'delivered', `${type}: ${JSON.stringify(result.error)}`);
      assert.deepEqual(result.logs, [{ level: 'log', message: line }]);
    }
  });

  it('finds handlers declared with const or let, and plain (non-async) functions', async () => {
    const result = await run(`const onTrack = async (event) => { console.log('arrow') }`);
    assert.equal(result.status, 'delivered');
    assert.deepEqual(result.logs, [{ level: 'log', message: 'arrow' }]);
    const sync = await run(`function onTrack() { console.log('sync') }`);
    assert.equal(sync.status, 'delivered');
  });

  it('a missing handler, or an unknown type, is Unsupported Event Type', async () => {
    const missing = await run(`async function onIdentify() {}`);
    assert.equal(missing.status, 'discarded');
    assert.equal(missing.category, 'unsupported_event_type');
    assert.deepEqual(missing.error && { name: missing.error.name, message: missing.error.message }, {
      name: 'EventNotSupported',
      message: 'track is not supported',
    });
    const unknown = await run(`async function onTrack() {}`, { event: { type: 'launch' } });
    assert.equal(unknown.category, 'unsupported_event_type');
  });
});

describe('runtime: errors and their categories (segment-behaviour.md)', () => {
  const cases = [
    ['RetryError', 'retry', 'retry'],
    ['InvalidEventPayload', 'discarded', 'message_rejected'],
    ['ValidationError', 'discarded', 'message_rejected'],
    ['EventNotSupported', 'discarded', 'unsupported_event_type'],
    ['TypeError', 'discarded', 'bad_request'],
    ['Error', 'discarded', 'bad_request'],
  ] as const;
  for (const [error, status, category] of cases) {
    it(`throw new ${error}() → ${status} / ${category}`, async () => {
      const result = await run(
        `async function onTrack(event) {\n  throw new ${error}('because ' + event.event)\n}`,
      );
      assert.equal(result.status, status);
      assert.equal(result.category, category);
      assert.equal(result.error?.name, error);
      assert.equal(result.error?.message, 'because Order Completed');
      assert.equal(
        result.error?.stack,
        `${error}: because Order Completed\n    at onTrack (function.js:2:9)`,
      );
      assert.equal(result.error?.line, 2);
    });
  }

  it('the error classes work with instanceof and subclassing in user code', async () => {
    const result = await run(`
      class TokenExpired extends RetryError {}
      async function onTrack() {
        const e = new TokenExpired('expired');
        console.log(e instanceof RetryError, e instanceof Error, e.name);
        throw e;
      }`);
    assert.deepEqual(result.logs, [{ level: 'log', message: 'true true RetryError' }]);
    assert.equal(result.status, 'retry');
  });

  it('a thrown non-Error is a Bad Request with its text', async () => {
    const result = await run(`async function onTrack() { throw { reason: 'nope' } }`);
    assert.equal(result.category, 'bad_request');
    assert.equal(result.error?.message, '{"reason":"nope"}');
  });

  it('code that does not compile is Invalid Settings with line and column', async () => {
    const result = await run(`async function onTrack(event) {\n  const x = ;\n}`);
    assert.equal(result.status, 'discarded');
    assert.equal(result.category, 'invalid_settings');
    assert.equal(result.error?.name, 'SyntaxError');
    assert.equal(result.error?.message, "The code does not compile: Unexpected token ';'");
    assert.deepEqual([result.error?.line, result.error?.column], [2, 13]);
  });

  it('code whose top level throws is Invalid Settings, with where', async () => {
    const result = await run(`const key = undefinedThing.key;\nasync function onTrack() {}`);
    assert.equal(result.category, 'invalid_settings');
    assert.equal(result.error?.name, 'ReferenceError');
    assert.match(result.error?.message ?? '', /undefinedThing is not defined/);
    assert.equal(result.error?.line, 1);
  });
});

describe('runtime: state, settings and isolation between instances', () => {
  const counter = `let calls = 0\nasync function onTrack() { calls++; console.log(String(calls)) }`;
  const count = async (fn: FunctionInstance) =>
    (await runtime.invoke(fn, { event: createTestEvent() })).logs[0]?.message;

  it('keeps module-level variables between invocations of one instance', async () => {
    const fn = instance(counter);
    assert.deepEqual([await count(fn), await count(fn), await count(fn)], ['1', '2', '3']);
  });

  it('never shares them between two instances of the same code', async () => {
    const a = instance(counter);
    const b = instance(counter);
    assert.deepEqual([await count(a), await count(a), await count(b), await count(a)], ['1', '2', '1', '3']);
  });

  it('starts fresh on a new version or new settings', async () => {
    const fn = instance(counter, { k: 'a' });
    assert.deepEqual([await count(fn), await count(fn)], ['1', '2']);
    assert.equal(await count({ ...fn, versionId: 'v2' }), '1');
    assert.equal(await count({ ...fn, versionId: 'v2', settings: { k: 'b' } }), '1');
  });

  it('gives each invocation its own copy of the event and settings', async () => {
    const fn = instance(
      `async function onTrack(event, settings) { console.log(settings.n, event.seen); settings.n = 99; event.seen = true }`,
      { n: 1 },
    );
    await runtime.invoke(fn, { event: createTestEvent() });
    const second = await runtime.invoke(fn, { event: createTestEvent() });
    assert.deepEqual(second.logs, [{ level: 'log', message: '1 undefined' }]);
  });

  it("runs Segment's token-caching example: one token request for many events", async () => {
    sink.handle((request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        request.url === '/token' ? JSON.stringify({ token: `tok-${sink.requests.length}` }) : '{}',
      );
    });
    const fn = instance(`
const TOKEN_EXPIRE_MS = 60 * 60 * 1000 // 1 hour
let token = null
async function getAccessToken () {
  const now = new Date().getTime()
  if (!token || now - token.ts > TOKEN_EXPIRE_MS) {
    const resp = await fetch('${sink.url}/token', {
      method: 'POST'
    }).then(resp => resp.json())
    token = {
      ts: now,
      value: resp.token
    }
  }
  return token.value
}
async function onTrack(event) {
  await fetch('${sink.url}/events', { method: 'POST', headers: { Authorization: 'Bearer ' + await getAccessToken() }, body: JSON.stringify(event) })
}`);
    const before = sink.requests.length;
    for (let i = 0; i < 3; i++)
      assert.equal((await runtime.invoke(fn, { event: createTestEvent() })).status, 'delivered');
    const made = sink.requests.slice(before).map((r) => r.url);
    assert.deepEqual(made, ['/token', '/events', '/events', '/events']);
  });
});

describe('runtime: onBatch', () => {
  it('settles each event from the [{status, errormessage}] the handler returns', async () => {
    const code = `async function onBatch(events, settings) {
      return events.map((e, i) => i === 1 ? { status: 400, errormessage: 'bad ' + e.event } : i === 2 ? { status: 503 } : { status: 200 })
    }`;
    const events = [1, 2, 3, 4].map((n) => createTestEvent({ event: `E${n}` }));
    const result = await run(code, { events });
    assert.equal(result.status, 'delivered');
    assert.deepEqual(result.events, [
      { status: 'delivered' },
      { status: 'discarded', category: 'bad_request', error: { name: 'Error', message: 'bad E2' } },
      { status: 'retry', category: 'retry', error: { name: 'Error', message: 'status 503' } },
      { status: 'delivered' },
    ]);
  });

  it('a RetryError retries the whole batch; another throw discards it', async () => {
    const events = [createTestEvent(), createTestEvent()];
    const retried = await run(`async function onBatch() { throw new RetryError('later') }`, { events });
    assert.deepEqual(
      retried.events?.map((e) => e.status),
      ['retry', 'retry'],
    );
    const failed = await run(`async function onBatch() { throw new Error('no') }`, { events });
    assert.deepEqual(
      failed.events?.map((e) => e.category),
      ['bad_request', 'bad_request'],
    );
    const missing = await run(`async function onTrack() {}`, { events });
    assert.deepEqual(
      missing.events?.map((e) => e.category),
      ['unsupported_event_type', 'unsupported_event_type'],
    );
  });
});

describe('runtime: console capture', () => {
  it('captures every level, formats like Node, and caps lines and bytes', async () => {
    const result = await run(`async function onTrack(event) {
      console.log('n=%d s=%s', 42, 'str', { a: [1, 2] });
      console.info('info'); console.warn('warn'); console.error(new TypeError('bad')); console.debug(null, undefined, 1n);
      for (let i = 0; i < 500; i++) console.log('line', i);
    }`);
    assert.deepEqual(result.logs.slice(0, 5), [
      { level: 'log', message: 'n=42 s=str {"a":[1,2]}' },
      { level: 'info', message: 'info' },
      { level: 'warn', message: 'warn' },
      { level: 'error', message: 'TypeError: bad\n    at onTrack (function.js:3:65)' },
      { level: 'debug', message: 'null undefined 1n' },
    ]);
    assert.equal(result.logs.length, 100);
    assert.equal(result.droppedLogs, 405);
    const huge = await run(
      `async function onTrack() { console.log('x'.repeat(100000)); console.log('y'.repeat(100000)) }`,
    );
    assert.ok(huge.logs.reduce((n, l) => n + l.message.length, 0) <= 32 * 1024 + 100);
    assert.match(huge.logs[0]!.message, /… \[truncated\]$/);
  });
});

describe('runtime: secrets', () => {
  it('never shows a sensitive setting in logs, errors or captured requests', async () => {
    const secret = 'sk_live_51HqNotARealKey';
    const code = `async function onTrack(event, settings) {
      console.log('using', settings.apiKey, encodeURIComponent(settings.apiKey), btoa(settings.apiKey));
      await fetch('${sink.url}/x?key=' + settings.apiKey, { method: 'POST', headers: { 'X-Custom': settings.apiKey, Authorization: 'Basic ' + btoa('u:p') }, body: JSON.stringify({ key: settings.apiKey }) });
      throw new Error('failed with ' + settings.apiKey);
    }`;
    sink.handle((request, response) => response.end(`echo ${request.headers['x-custom'] as string}`));
    const result = await runtime.invoke(
      instance(code, { apiKey: secret, region: 'eu-west' }, { sensitiveSettings: ['apiKey'] }),
      {
        event: createTestEvent(),
      },
    );
    const text = JSON.stringify(result);
    assert.ok(!text.includes(secret), text);
    assert.ok(!text.includes(Buffer.from(secret).toString('base64').replace(/=+$/, '')));
    assert.match(result.logs[0]!.message, /^using \[redacted\] \[redacted\] \[redacted\]/);
    assert.equal(result.error?.message, 'failed with [redacted]');
    assert.equal(result.requests[0]?.requestHeaders.authorization, '[redacted]');
    assert.equal(result.requests[0]?.responseBody, 'echo [redacted]');
    assert.equal(
      sink.requests.at(-1)?.headers['x-custom'],
      secret,
      'the destination itself got the real value',
    );
  });
});
