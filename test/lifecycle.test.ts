// `switchyard start` as a user runs it: a real process, first-start output, SIGTERM under load, restart.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { openStore } from '../src/store/open-store.ts';

const BIN = path.resolve(import.meta.dirname, '../bin/switchyard.js');
const dataDir = mkdtempSync(path.join(tmpdir(), 'switchyard-lifecycle-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

interface Started {
  readonly child: ChildProcess;
  readonly url: string;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

/** Starts the CLI on a free port and resolves once it prints where it listens. */
function start(env: Record<string, string> = {}): Promise<Started> {
  const child = spawn(process.execPath, [BIN, 'start', '--port', '0', '--log-level', 'warn'], {
    env: { PATH: process.env.PATH, SWITCHYARD_DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start within 20 s:\n${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /running at (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1]!, output: () => output, exited });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => reject(new Error(`exited with ${code}:\n${output}`)));
  });
}

describe('switchyard start', () => {
  let token = '';
  let writeKey = '';
  let sourceId = '';
  const acknowledged: string[] = [];

  it('creates the workspace on first start and prints the owner token once', async () => {
    const first = await start();
    try {
      token = /Owner API token \(shown once, keep it\): (sy_\w+)/.exec(first.output())?.[1] ?? '';
      assert.match(token, /^sy_\w{40}$/, first.output());
      assert.match(first.output(), /owner is admin@localhost/);
      // Without SWITCHYARD_ADMIN_PASSWORD the owner's password is generated and printed once; it signs in.
      const password = /as admin@localhost with the password \(shown once, keep it\): (\w{20})/.exec(
        first.output(),
      )?.[1];
      assert.ok(password, first.output());
      const signIn = await fetch(`${first.url}/api/v1/auth/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'admin@localhost', password }),
      });
      assert.equal(signIn.status, 200);
      assert.match(signIn.headers.get('set-cookie') ?? '', /^sy_session=/);
      const page = await fetch(`${first.url}/functions`);
      assert.equal(page.status, 200, 'the web app answers its own routes');
      assert.match(await page.text(), /<div id="root">/);
      const health = await fetch(`${first.url}/healthz`);
      const { invokers, ...rest } = (await health.json()) as { invokers: { ready: number; of: number } };
      assert.deepEqual(rest, { status: 'ok', role: 'all', store: 'sqlite' });
      assert.ok(invokers.of >= 1 && invokers.ready <= invokers.of, JSON.stringify(invokers));

      const created = await fetch(`${first.url}/api/v1/sources`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Web' }),
      });
      assert.equal(created.status, 201);
      ({ id: sourceId, writeKey } = (await created.json()) as { id: string; writeKey: string });
    } finally {
      first.child.kill('SIGTERM');
      assert.equal(await first.exited, 0);
    }
  });

  it('on SIGTERM finishes in-flight requests, stores every acknowledged event and exits 0', async () => {
    const running = await start();
    const auth = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
    let sent = 0;
    let firstAck: () => void;
    const acked = new Promise<void>((resolve) => (firstAck = resolve));
    // Each sender posts batches until the server stops answering; SIGTERM lands while batches are in flight.
    const sender = async () => {
      for (;;) {
        const i = sent++;
        const batch = Array.from({ length: 50 }, (_, j) => ({
          type: 'track',
          userId: 'u',
          event: 'E',
          messageId: `b${i}-${j}`,
        }));
        let response: Response;
        try {
          response = await fetch(`${running.url}/v1/batch`, {
            method: 'POST',
            headers: { authorization: auth, 'content-type': 'application/json' },
            body: JSON.stringify({ batch }),
          });
        } catch {
          return; // refused after close: not acknowledged, so the client still has it
        }
        if (response.status !== 200) {
          assert.equal(response.status, 503, 'a request refused during shutdown is a 503 the client retries');
          return;
        }
        acknowledged.push(...batch.map((e) => e.messageId));
        firstAck();
      }
    };
    const senders = Array.from({ length: 8 }, sender);
    await acked;
    running.child.kill('SIGTERM');
    await Promise.all(senders);
    assert.equal(await running.exited, 0);
    assert.ok(acknowledged.length > 0, 'some requests were acknowledged before the stop');
    assert.doesNotMatch(running.output(), /Owner API token/, 'the token is printed on the first start only');
  });

  it('keeps all data across the restart', async () => {
    const store = await openStore({ dataDir });
    try {
      const stored = (await store.events.recent(sourceId, 10_000)) as { messageId: string }[];
      const ids = new Set(stored.map((e) => e.messageId));
      const missing = acknowledged.filter((id) => !ids.has(id));
      assert.deepEqual(missing, [], 'every acknowledged event is stored');
    } finally {
      await store.close();
    }
    const again = await start();
    try {
      const sources = await fetch(`${again.url}/api/v1/sources`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(sources.status, 200, 'the owner token still works');
      assert.doesNotMatch(again.output(), /shown once/, 'no secret is printed a second time');
      assert.deepEqual(
        ((await sources.json()) as { data: { id: string }[] }).data.map((s) => s.id),
        [sourceId],
      );
    } finally {
      again.child.kill('SIGTERM');
      assert.equal(await again.exited, 0);
    }
  });

  it('refuses bad configuration with a clear message and exit code 1', async () => {
    const child = spawn(process.execPath, [BIN, 'start', '--port', 'eighty'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    assert.equal(code, 1);
    assert.match(stderr, /PORT must be an integer from 0 to 65535, got "eighty"/);
  });
});
