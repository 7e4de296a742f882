// The globals Segment's functions get — fetch and node-fetch's Response, Headers, URL, crypto, lodash, cache,
// timers, codecs — and every code example of the seed page, run as written against a local sink.
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { FunctionRuntime } from '../src/runtime/function-runtime.ts';
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
async function logsOf(body: string, event: Record<string, unknown> = createTestEvent()): Promise<string[]> {
  const result = await runtime.invoke(
    {
      id: `globals-${++nextId}`,
      versionId: 'v1',
      code: `async function onTrack(event, settings) {\n${body}\n}`,
      settings: { apiKey: 'k-123' },
    },
    { event },
  );
  assert.equal(result.status, 'delivered', JSON.stringify(result.error));
  return result.logs.map((l) => l.message);
}

describe('runtime globals', () => {
  it('fetch posts to a sink and Response reads like node-fetch', async () => {
    sink.handle((request, response) => {
      response.writeHead(201, {
        'content-type': 'application/json',
        'x-request-id': 'r-1',
        'set-cookie': ['a=1', 'b=2'],
      });
      response.end(
        JSON.stringify({
          received: JSON.parse(request.body) as unknown,
          method: request.method,
          type: request.headers['content-type'],
        }),
      );
    });
    const logs = await logsOf(`
      const res = await fetch('${sink.url}/collect', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: event.event }) });
      console.log(res.ok, res.status, res.statusText, res.headers.get('X-Request-Id'), res.url.endsWith('/collect'));
      const copy = res.clone();
      console.log(JSON.stringify(await res.json()), (await copy.text()).length > 0, res.bodyUsed);
      try { await res.text() } catch (e) { console.log(e instanceof TypeError) }
    `);
    assert.deepEqual(logs, [
      'true 201 Created r-1 true',
      '{"received":{"name":"Order Completed"},"method":"POST","type":"application/json"} true true',
      'true',
    ]);
  });

  it('fetch takes URL, Request, Headers and URLSearchParams, and redirects as node-fetch', async () => {
    sink.handle((request, response) => {
      if (request.url === '/old') {
        response.writeHead(302, { location: '/new' });
        return response.end();
      }
      response.end(
        `${request.method} ${request.url} ${request.headers['content-type'] ?? '-'} ${request.body}`,
      );
    });
    const logs = await logsOf(`
      const url = new URL('/form', '${sink.url}'); url.searchParams.set('q', 'a b&c');
      const headers = new Headers({ 'X-One': '1' }); headers.append('X-One', '2');
      console.log(headers.get('x-one'), headers.has('X-ONE'), [...headers.keys()].join());
      const form = await fetch(url, { method: 'POST', body: new URLSearchParams({ a: '1', b: 'two words' }) });
      console.log(await form.text());
      const request = new Request('${sink.url}/req', { method: 'PUT', body: 'raw', headers });
      console.log(await (await fetch(request)).text());
      const moved = await fetch('${sink.url}/old', { method: 'POST', body: 'x' });
      console.log(moved.redirected, await moved.text());
      const manual = await fetch('${sink.url}/old', { redirect: 'manual' });
      console.log(manual.status, manual.headers.get('location'));
    `);
    assert.deepEqual(logs, [
      '1, 2 true x-one',
      'POST /form?q=a+b%26c application/x-www-form-urlencoded;charset=UTF-8 a=1&b=two+words',
      'PUT /req text/plain;charset=UTF-8 raw',
      'true GET /new text/plain;charset=UTF-8 ',
      '302 /new',
    ]);
  });

  it('a network failure is a FetchError the function can turn into a RetryError', async () => {
    const result = await runtime.invoke(
      {
        id: 'fetch-error',
        versionId: 'v1',
        code: `async function onTrack() {
          try { await fetch('http://127.0.0.1:1/nothing') } catch (err) { console.log(err.name, err.type, err.code); throw new RetryError(err.message) }
        }`,
        settings: {},
      },
      { event: createTestEvent() },
    );
    assert.equal(result.status, 'retry');
    assert.deepEqual(result.logs[0]?.message, 'FetchError system ECONNREFUSED');
    assert.match(result.error?.message ?? '', /ECONNREFUSED/);
  });

  it('URL, URLSearchParams, atob, btoa, TextEncoder, TextDecoder, Buffer', async () => {
    const logs = await logsOf(`
      const u = new URL('https://user:pw@example.com:8443/a/b?x=1#frag');
      console.log(u.protocol, u.hostname, u.port, u.pathname, u.search, u.hash, u.origin, u.username);
      u.pathname = '/c'; u.searchParams.append('y', 'ü');
      console.log(u.href, String(new URLSearchParams('a=1&a=2&b=%20').getAll('a')), new URLSearchParams('b=%20').get('b') === ' ');
      try { new URL('not a url') } catch (e) { console.log(e instanceof TypeError) }
      console.log(btoa('user:pass'), atob('dXNlcjpwYXNz'));
      const bytes = new TextEncoder().encode('héllo'); console.log(bytes.length, bytes instanceof Uint8Array, new TextDecoder().decode(bytes));
      console.log(Buffer.from('user:pass').toString('base64'), Buffer.from('68656c6c6f', 'hex').toString(), Buffer.byteLength('é'));
    `);
    assert.deepEqual(logs, [
      'https: example.com 8443 /a/b ?x=1 #frag https://example.com:8443 user',
      'https://user:pw@example.com:8443/c?x=1&y=%C3%BC#frag 1,2 true',
      'true',
      'dXNlcjpwYXNz user:pass',
      '6 true héllo',
      'dXNlcjpwYXNz hello 2',
    ]);
  });

  it("crypto matches node's", async () => {
    const logs = await logsOf(`
      console.log(crypto.createHash('sha256').update('hello').update(' world').digest('hex'));
      console.log(crypto.createHash('md5').update('x').digest('base64'));
      console.log(crypto.createHmac('sha256', settings.apiKey).update(JSON.stringify({ a: 1 })).digest('hex'));
      console.log(crypto.randomBytes(16).toString('hex').length, /^[0-9a-f-]{36}$/.test(crypto.randomUUID()));
      const values = crypto.getRandomValues(new Uint32Array(4)); console.log(values.length, values.some((v) => v !== 0));
      try { crypto.createHash('nope') } catch (e) { console.log(e.message) }
    `);
    assert.deepEqual(logs, [
      createHash('sha256').update('hello world').digest('hex'),
      createHash('md5').update('x').digest('base64'),
      createHmac('sha256', 'k-123').update('{"a":1}').digest('hex'),
      '32 true',
      '4 true',
      'Digest method not supported: nope',
    ]);
  });

  it('lodash as _, cache.load/delete, setTimeout/clearTimeout', async () => {
    const logs = await logsOf(`
      console.log(_.get(event, 'properties.revenue'), _.snakeCase('Order Completed'), _.chunk([1, 2, 3], 2).length);
      let loads = 0;
      const load = () => cache.load('token', 60000, async () => { loads++; return 'v' + loads });
      console.log(await load(), await load(), loads);
      cache.delete('token'); console.log(await load());
      const order = [];
      const cancelled = setTimeout(() => order.push('cancelled'), 5); clearTimeout(cancelled);
      await new Promise((resolve) => setTimeout(() => { order.push('fired'); resolve() }, 10));
      console.log(order.join());
    `);
    assert.deepEqual(logs, ['25.5 order_completed 2', 'v1 v1 1', 'v2', 'fired']);
  });

  it('offers nothing of Node beyond that: no require, process, module, filesystem', async () => {
    const logs = await logsOf(`
      console.log(typeof require, typeof process, typeof module, typeof __dirname, typeof globalThis.fs, typeof setInterval, typeof global);
    `);
    assert.deepEqual(logs, ['undefined undefined undefined undefined undefined undefined undefined']);
  });
});

describe('the seed page examples run as written', () => {
  const seed = (code: string) => ({
    id: `seed-${++nextId}`,
    versionId: 'v1',
    code: code.replaceAll("fetch(''", `fetch('${sink.url}/seed'`),
    settings: { apiKey: 'super_secret_string' },
  });

  it('posts a track event', async () => {
    sink.handle((_request, response) => response.end('{}'));
    const before = sink.requests.length;
    const result = await runtime.invoke(
      seed(`async function onTrack(event) {
  await fetch('', {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json'
    },
    body: JSON.stringify({
      event_name: event.event,
      timestamp: event.timestamp
    })
  })
}`),
      { event: createTestEvent({ timestamp: '2026-01-01T00:00:00.000Z' }) },
    );
    assert.equal(result.status, 'delivered');
    assert.deepEqual(JSON.parse(sink.requests[before]!.body), {
      event_name: 'Order Completed',
      timestamp: '2026-01-01T00:00:00.000Z',
    });
  });

  it('throws each error type as the examples do', async () => {
    const examples = [
      [
        'group',
        `async function onGroup(event) {\n  if (!event.traits.company) {\n    throw new InvalidEventPayload('Company name is required')\n  }\n}`,
        'message_rejected',
      ],
      [
        'page',
        `async function onPage(event) {\n  if (!event.properties.pageName) {\n    throw new ValidationError('Page name is required')\n  }\n}`,
        'message_rejected',
      ],
      [
        'alias',
        `async function onAlias(event) {\n  throw new EventNotSupported('Alias event is not supported')\n}`,
        'unsupported_event_type',
      ],
    ] as const;
    for (const [type, code, category] of examples) {
      const result = await runtime.invoke(seed(code), { event: createTestEvent({ type }) });
      assert.equal(result.category, category, `${type}: ${JSON.stringify(result.error)}`);
    }
  });

  it('retries on a connection error, a 5xx and a 429 — and not on a 200', async () => {
    const code = `async function onTrack(event) {
  let res
  try {
    res = await fetch('', {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json'
      },
      body: JSON.stringify({ event })
    })
  } catch (err) {
    // Retry on connection error
    throw new RetryError(err.message)
  }
  if (res.status >= 500 || res.status === 429) {
    // Retry on 5xx and 429s (ratelimits)
    throw new RetryError(\`HTTP Status \${res.status}\`)
  }
}`;
    for (const [status, expected] of [
      [503, 'retry'],
      [429, 'retry'],
      [200, 'delivered'],
    ] as const) {
      sink.handle((_request, response) => {
        response.writeHead(status, status === 429 ? { 'retry-after': '30' } : {});
        response.end();
      });
      const result = await runtime.invoke(seed(code), { event: createTestEvent() });
      assert.equal(result.status, expected);
      if (status === 429) assert.equal(result.retryAfterMs, 30_000, 'the Retry-After hint');
      if (status === 503) assert.equal(result.error?.message, 'HTTP Status 503');
    }
    const refused = await runtime.invoke(
      { ...seed(code), code: code.replace("fetch(''", "fetch('http://127.0.0.1:1/'") },
      { event: createTestEvent() },
    );
    assert.equal(refused.status, 'retry');
  });

  it('reads a setting and logs as the examples do', async () => {
    const result = await runtime.invoke(
      seed(`async function onTrack(request, settings) {
  const apiKey = settings.apiKey
  //=> "super_secret_string"
  console.log(apiKey)
}`),
      { event: createTestEvent() },
    );
    assert.deepEqual(result.logs, [{ level: 'log', message: 'super_secret_string' }]);
    const validating = `async function onTrack(event, settings) {
  const userId = event.userId

  console.log('User ID is', userId)

  if (typeof userId !== 'string' || userId.length < 8) {
    throw new ValidationError('User ID is invalid')
  }

  console.log('User ID is valid')
}`;
    const short = await runtime.invoke(seed(validating), { event: createTestEvent({ userId: 'u1' }) });
    assert.deepEqual(
      [short.category, short.logs.map((l) => l.message)],
      ['message_rejected', ['User ID is u1']],
    );
    const long = await runtime.invoke(seed(validating), { event: createTestEvent({ userId: 'user-12345' }) });
    assert.deepEqual([long.status, long.logs.length], ['delivered', 2]);
  });
});
