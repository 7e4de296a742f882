// Two `switchyard start --role worker` processes on one Postgres share one destination's work: every
// event is delivered, none twice (no worker died, so the at-least-once bound is zero), and both did work.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Api, apiClient } from './helpers/api-client.ts';
import { type HttpSink, startHttpSink } from './helpers/http-sink.ts';
import { type TestServer, createTestServer, ingestBatch } from './helpers/test-server.ts';
import { skipReason } from './helpers/test-stores.ts';

const BIN = path.resolve(import.meta.dirname, '../bin/switchyard.js');
const SECRET_KEY = 'scale-out-test-secret-key';
const EVENTS = 400;

interface Worker {
  readonly child: ChildProcess;
  output: string;
  readonly exited: Promise<number | null>;
}

function startWorker(databaseUrl: string, dataDir: string): Promise<Worker> {
  const child = spawn(
    process.execPath,
    [BIN, 'start', '--role', 'worker', '--port', '0', '--log-level', 'info'],
    {
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: databaseUrl,
        SWITCHYARD_DATA_DIR: dataDir,
        SWITCHYARD_SECRET_KEY: SECRET_KEY,
        SWITCHYARD_FETCH_ALLOW: '127.0.0.1',
        SWITCHYARD_WORKER_POLL_MS: '20',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const worker: Worker = { child, output: '', exited: new Promise((resolve) => child.once('exit', resolve)) };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start:\n${worker.output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      worker.output += chunk.toString();
      if (worker.output.includes('running at')) {
        clearTimeout(timer);
        resolve(worker);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
  });
}

describe('two workers on one Postgres', { skip: skipReason('postgres') }, () => {
  let server: TestServer;
  let api: Api;
  let sink: HttpSink;
  const workers: Worker[] = [];
  before(async () => {
    server = await createTestServer('postgres', { SWITCHYARD_SECRET_KEY: SECRET_KEY });
    api = apiClient(server.app);
    sink = await startHttpSink();
    // Slow enough that both workers have something in flight at once.
    sink.handle((_request, response) => setTimeout(() => response.end(), 5));
  });
  after(async () => {
    for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
    await server.close();
    await sink.close();
  });

  it('share one destination without delivering anything twice', async () => {
    const fn = await api<{ id: string }>('POST', '/api/v1/functions', {
      displayName: 'Forward',
      code: `async function onTrack(event, settings) {
        const res = await fetch(settings.url, { method: 'POST', body: event.messageId });
        if (!res.ok) throw new RetryError('status ' + res.status);
      }`,
      settings: [{ label: 'URL', type: 'string', required: true, sensitive: true }],
    });
    const destination = await api('POST', '/api/v1/destinations', {
      name: 'Sink',
      functionId: fn.body.id,
      sourceIds: [server.source.id],
      settings: { url: `${sink.url}/in` },
    });
    assert.equal(destination.status, 201);
    workers.push(await startWorker(server.config.databaseUrl!, server.config.dataDir));
    workers.push(await startWorker(server.config.databaseUrl!, server.config.dataDir));

    for (let b = 0; b < EVENTS / 100; b++) {
      const batch = Array.from({ length: 100 }, (_, i) => ({
        type: 'track',
        userId: 'u',
        event: 'E',
        messageId: `m-${b}-${i}`,
      }));
      assert.equal(await ingestBatch(server, batch), 200);
    }
    const deadline = Date.now() + 30_000;
    while (new Set(sink.requests.map((r) => r.body)).size < EVENTS && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await new Promise((resolve) => setTimeout(resolve, 300)); // a late duplicate would show up here
    const bodies = sink.requests.map((r) => r.body);
    assert.equal(new Set(bodies).size, EVENTS, 'every event delivered');
    assert.equal(bodies.length, EVENTS, 'none delivered twice');

    for (const worker of workers) worker.child.kill('SIGTERM');
    const codes = await Promise.all(workers.map((w) => w.exited));
    assert.deepEqual(codes, [0, 0]);
    const settled = workers.map((w) => {
      const line = w.output.split('\n').find((l) => l.includes('delivery worker stopped'));
      return line ? (JSON.parse(line) as { settled: number }).settled : -1;
    });
    assert.equal(settled[0]! + settled[1]!, EVENTS);
    assert.ok(
      settled.every((n) => n > 0),
      `both workers delivered: ${settled.join(' + ')}`,
    );
  });
});
