// fetch from user code: the SSRF guard (no loopback, private or metadata addresses unless allowed, every
// redirect hop re-checked) and the limits on time, size, redirects and request count.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FunctionRuntime } from '../src/runtime/function-runtime.ts';
import type { InvocationResult } from '../src/runtime/invocation-result.ts';
import { type RuntimeOptions, runtimeOptions } from '../src/runtime/runtime-options.ts';
import { createTestEvent } from '../src/spec/create-test-event.ts';
import { type HttpSink, startHttpSink } from './helpers/http-sink.ts';

let sink: HttpSink;
const runtimes: FunctionRuntime[] = [];
before(async () => {
  sink = await startHttpSink();
});
after(async () => {
  for (const runtime of runtimes) await runtime.close();
  await sink.close();
});

function makeRuntime(options: Parameters<typeof runtimeOptions>[0]): FunctionRuntime {
  const runtime = new FunctionRuntime(runtimeOptions(options));
  runtimes.push(runtime);
  return runtime;
}

let nextId = 0;
/** Runs `fetch(url, init)` in a function and returns what the function saw (status, or error type/code). */
async function tryFetch(
  runtime: FunctionRuntime,
  url: string,
  init = '{}',
): Promise<{ seen: string; result: InvocationResult }> {
  const result = await runtime.invoke(
    {
      id: `fetcher-${++nextId}`,
      versionId: 'v1',
      code: `async function onTrack() {
        try { const r = await fetch(${JSON.stringify(url)}, ${init}); console.log('status ' + r.status + ' ' + (await r.text()).length) }
        catch (e) { console.log(e.name + ' ' + e.type + ' ' + (e.code || '') + ' ' + e.message) }
      }`,
      settings: {},
    },
    { event: createTestEvent() },
  );
  return { seen: result.logs[0]?.message ?? '', result };
}

describe('fetch: the SSRF guard', () => {
  it('refuses loopback, private, link-local, metadata and unspecified addresses by default', async () => {
    const guarded = makeRuntime({});
    const before = sink.requests.length;
    const targets = [
      `http://127.0.0.1:${sink.port}/`,
      `http://localhost:${sink.port}/`,
      `http://[::1]:${sink.port}/`,
      `http://[::ffff:127.0.0.1]:${sink.port}/`,
      `http://0.0.0.0:${sink.port}/`,
      'http://169.254.169.254/latest/meta-data/',
      'http://10.1.2.3/',
      'http://192.168.0.1/',
      'http://172.16.5.4/',
      'http://100.64.0.1/',
      'http://[fd00::1]/',
      'http://[fe80::1]/',
      'http://2130706433/', // 127.0.0.1 as one number
    ];
    for (const url of targets) {
      const { seen, result } = await tryFetch(guarded, url);
      assert.match(
        seen,
        /^FetchError system EBLOCKED .*blocked|resolves only to blocked addresses/,
        `${url}: ${seen}`,
      );
      assert.equal(result.requests.length, 1, 'the refused request is recorded');
    }
    assert.equal(sink.requests.length, before, 'nothing reached the sink');
  });

  it('refuses schemes other than http and https', async () => {
    const guarded = makeRuntime({});
    for (const url of ['file:///etc/passwd', 'ftp://example.com/', 'data:text/plain,hi']) {
      const { seen } = await tryFetch(guarded, url);
      assert.match(seen, /^FetchError invalid-url/, `${url}: ${seen}`);
    }
  });

  it('allows what SWITCHYARD_FETCH_ALLOW lists, by address or by name', async () => {
    sink.handle((_request, response) => response.end('hello'));
    const byAddress = makeRuntime({ fetchAllow: ['127.0.0.1'] });
    assert.equal((await tryFetch(byAddress, `${sink.url}/`)).seen, 'status 200 5');
    assert.equal(
      (await tryFetch(byAddress, `http://localhost:${sink.port}/`)).seen,
      'status 200 5',
      'localhost → 127.0.0.1',
    );
    const byCidr = makeRuntime({ fetchAllow: ['127.0.0.0/8'] });
    assert.equal((await tryFetch(byCidr, `${sink.url}/`)).seen, 'status 200 5');
    const byName = makeRuntime({ fetchAllow: ['localhost'] });
    assert.equal((await tryFetch(byName, `http://localhost:${sink.port}/`)).seen, 'status 200 5');
    assert.match(
      (await tryFetch(byName, `${sink.url}/`)).seen,
      /EBLOCKED/,
      'the name does not allow the bare address',
    );
  });

  it('re-checks every redirect hop', async () => {
    const allowed = makeRuntime({ fetchAllow: ['127.0.0.1'] });
    sink.handle((request, response) => {
      response.writeHead(302, { location: `http://127.0.0.2:${sink.port}/inside` });
      response.end();
    });
    const before = sink.requests.length;
    const { seen, result } = await tryFetch(allowed, `${sink.url}/hop`);
    assert.match(seen, /EBLOCKED/);
    assert.deepEqual(
      result.requests.map((r) => [r.url, r.status ?? r.error?.slice(0, 20)]),
      [
        [`${sink.url}/hop`, 302],
        [`http://127.0.0.2:${sink.port}/inside`, 'request to http://12'],
      ],
    );
    assert.equal(sink.requests.length, before + 1);
  });
});

describe('fetch: limits', () => {
  const limited: Partial<RuntimeOptions['outbound']> = {
    requestTimeoutMs: 300,
    maxResponseBodyBytes: 1_000,
    maxRequestBodyBytes: 1_000,
    maxRedirects: 3,
    maxRequestsPerInvocation: 5,
  };

  it('times out a slow request inside the invocation deadline', async () => {
    const runtime = makeRuntime({ fetchAllow: ['127.0.0.1'], outbound: limited });
    sink.handle((_request, response) => setTimeout(() => response.end('late'), 2_000));
    const started = performance.now();
    const { seen, result } = await tryFetch(runtime, `${sink.url}/slow`);
    assert.match(seen, /^FetchError request-timeout/);
    assert.ok(performance.now() - started < 1_500);
    assert.equal(result.status, 'delivered', 'the function caught it');
  });

  it('times out a body that keeps trickling in: the limit is on the whole request, not between chunks', async () => {
    const runtime = makeRuntime({ fetchAllow: ['127.0.0.1'], outbound: limited });
    sink.handle((_request, response) => {
      response.writeHead(200);
      // A byte every 100 ms never trips an idle timeout of 300 ms; only the request's own deadline stops it.
      let sent = 0;
      const drip = setInterval(() => {
        if (response.destroyed || ++sent > 30) {
          clearInterval(drip);
          response.end();
          return;
        }
        response.write('.');
      }, 100);
    });
    const started = performance.now();
    const { seen } = await tryFetch(runtime, `${sink.url}/drip`);
    assert.match(seen, /^FetchError request-timeout/);
    assert.ok(performance.now() - started < 1_500, 'stopped at the request timeout, not after 3 s');
  });

  it('caps response and request bodies', async () => {
    const runtime = makeRuntime({ fetchAllow: ['127.0.0.1'], outbound: limited });
    sink.handle((_request, response) => response.end('x'.repeat(5_000)));
    assert.match(
      (await tryFetch(runtime, `${sink.url}/big`)).seen,
      /^FetchError max-size .*over limit: 1000/,
    );
    const body = await tryFetch(runtime, `${sink.url}/up`, `{ method: 'POST', body: 'y'.repeat(2000) }`);
    assert.match(body.seen, /^FetchError invalid-request .*over the limit of 1000/);
  });

  it('caps redirects', async () => {
    const runtime = makeRuntime({ fetchAllow: ['127.0.0.1'], outbound: limited });
    sink.handle((request, response) => {
      response.writeHead(301, { location: `/loop${request.url.length}` });
      response.end();
    });
    const { seen, result } = await tryFetch(runtime, `${sink.url}/loop`);
    assert.match(seen, /^FetchError max-redirect/);
    assert.equal(result.requests.length, 4, 'the first request and three redirects');
  });

  it('caps requests per invocation', async () => {
    const runtime = makeRuntime({ fetchAllow: ['127.0.0.1'], outbound: limited });
    sink.handle((_request, response) => response.end('ok'));
    const result = await runtime.invoke(
      {
        id: 'many-requests',
        versionId: 'v1',
        code: `async function onTrack() {
          for (let i = 0; i < 8; i++) { try { await fetch('${sink.url}/n' + i) } catch (e) { console.log(i, e.type) } }
        }`,
        settings: {},
      },
      { event: createTestEvent() },
    );
    assert.deepEqual(
      result.logs.map((l) => l.message),
      ['5 max-requests', '6 max-requests', '7 max-requests'],
    );
    assert.equal(result.requests.length, 5);
  });
});
