// `switchyard functions run` as a developer runs it: real process, files on disk, exit codes.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestEvent } from '../src/spec/create-test-event.ts';
import { type HttpSink, startHttpSink } from './helpers/http-sink.ts';

const BIN = path.resolve(import.meta.dirname, '../bin/switchyard.js');
const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-cli-'));
let sink: HttpSink;
before(async () => {
  sink = await startHttpSink();
});
after(async () => {
  await sink.close();
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, content: unknown): string {
  const full = path.join(dir, name);
  writeFileSync(full, typeof content === 'string' ? content : JSON.stringify(content));
  return full;
}

/** Runs the CLI as a child process (asynchronously: the sink lives in this process's event loop). */
async function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'functions', 'run', ...args], {
      env: { PATH: process.env.PATH, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('switchyard functions run', () => {
  it('runs a handler on an event and prints the result; exit 0 when delivered', async () => {
    const code = file(
      'ok.js',
      `async function onTrack(event, settings) {
      console.log('sending', event.event);
      const res = await fetch('${sink.url}/collect', { method: 'POST', headers: { 'x-api-key': settings.apiKey }, body: JSON.stringify(event) });
      if (!res.ok) throw new RetryError('status ' + res.status);
    }`,
    );
    const run = await cli(
      [
        code,
        '--event',
        file('event.json', createTestEvent()),
        '--settings',
        file('s.json', { apiKey: 'secret-value-1' }),
        '--sensitive',
        'apiKey',
      ],
      { SWITCHYARD_FETCH_ALLOW: '127.0.0.1' },
    );
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as {
      status: string;
      logs: { message: string }[];
      requests: { status: number; requestHeaders: Record<string, string> }[];
    };
    assert.equal(result.status, 'delivered');
    assert.deepEqual(result.logs, [{ level: 'log', message: 'sending Order Completed' }]);
    assert.equal(result.requests[0]?.status, 200);
    assert.equal(result.requests[0]?.requestHeaders['x-api-key'], '[redacted]');
    assert.ok(!run.stdout.includes('secret-value-1'));
  });

  it('exits 1 when discarded and 2 when retried, and runs onBatch with --events', async () => {
    const event = file('event2.json', createTestEvent());
    const rejected = await cli([
      file('reject.js', `async function onTrack() { throw new ValidationError('no') }`),
      '--event',
      event,
    ]);
    assert.equal(rejected.code, 1);
    assert.equal((JSON.parse(rejected.stdout) as { category: string }).category, 'message_rejected');
    const retried = await cli([
      file('retry.js', `async function onTrack() { throw new RetryError('later') }`),
      '--event',
      event,
    ]);
    assert.equal(retried.code, 2);
    const batch = await cli([
      file('batch.js', `async function onBatch(events) { return events.map(() => ({ status: 200 })) }`),
      '--events',
      file('events.json', [createTestEvent(), createTestEvent({ type: 'identify' })]),
    ]);
    assert.equal(batch.code, 0);
    assert.deepEqual((JSON.parse(batch.stdout) as { events: unknown[] }).events, [
      { status: 'delivered' },
      { status: 'delivered' },
    ]);
  });

  it('refuses bad usage with exit 64 and says why', async () => {
    const missing = await cli([path.join(dir, 'nope.js'), '--event', file('e.json', {})]);
    assert.equal(missing.code, 64);
    assert.match(missing.stderr, /cannot read .*nope\.js: ENOENT/);
    const both = await cli([file('x.js', 'async function onTrack() {}')]);
    assert.equal(both.code, 64);
    assert.match(both.stderr, /give either --event or --events/);
    const badJson = await cli([
      file('y.js', 'async function onTrack() {}'),
      '--event',
      file('bad.json', '{nope'),
    ]);
    assert.equal(badJson.code, 64);
    assert.match(badJson.stderr, /bad\.json is not valid JSON/);
  });

  it('reports code that does not compile with its line and column', async () => {
    const run = await cli([
      file('broken.js', 'async function onTrack() {\n  return )\n}'),
      '--event',
      file('e2.json', createTestEvent()),
    ]);
    assert.equal(run.code, 1);
    const result = JSON.parse(run.stdout) as {
      category: string;
      error: { line: number; column: number; message: string };
    };
    assert.equal(result.category, 'invalid_settings');
    assert.deepEqual([result.error.line, result.error.column], [2, 10]);
  });
});
