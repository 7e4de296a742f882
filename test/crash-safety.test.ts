// kill -9 under load: Switchyard is killed ten times while it ingests and delivers, and restarted each time.
// Every acknowledged event must reach the sink; duplicates stay within what was in flight at the kills; no
// lease is left stale. Bounded: a fixed number of batches and kills, each step with a deadline.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { type HttpSink, startHttpSink } from './helpers/http-sink.ts';
import { DIALECTS, createTestTarget, skipReason } from './helpers/test-stores.ts';

const BIN = path.resolve(import.meta.dirname, '../bin/switchyard.js');
const TOKEN = 'sy_crash_test_owner_token_12345';
const KILLS = 10;
const BATCHES = 60;
const PER_DESTINATION_IN_FLIGHT = 16;

interface Running {
  readonly child: ChildProcess;
  readonly url: string;
}

function start(env: Record<string, string>): Promise<Running> {
  const child = spawn(process.execPath, [BIN, 'start', '--port', '0', '--log-level', 'error'], {
    env: {
      PATH: process.env.PATH,
      SWITCHYARD_ADMIN_TOKEN: TOKEN,
      SWITCHYARD_FETCH_ALLOW: '127.0.0.1',
      SWITCHYARD_LEASE_MS: '1500',
      // The duplicate bound below counts on it.
      SWITCHYARD_DESTINATION_IN_FLIGHT: String(PER_DESTINATION_IN_FLIGHT),
      SWITCHYARD_WORKER_POLL_MS: '20',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start within 30 s: ${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /running at (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1]! });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
  });
}

async function kill(running: Running): Promise<void> {
  const exited = new Promise((resolve) => running.child.once('exit', resolve));
  running.child.kill('SIGKILL');
  await exited;
}

for (const dialect of DIALECTS) {
  describe(`kill -9 under load (${dialect})`, { skip: skipReason(dialect) }, () => {
    let sink: HttpSink;
    const cleanups: (() => Promise<void>)[] = [];
    after(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup();
    });

    it('delivers every acknowledged event, with duplicates bounded and no stale lease', async () => {
      sink = await startHttpSink();
      cleanups.push(() => sink.close());
      const target = await createTestTarget(dialect);
      cleanups.push(() => target.dispose());
      const dataDir = mkdtempSync(path.join(tmpdir(), 'switchyard-crash-'));
      cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
      const env = {
        SWITCHYARD_DATA_DIR: dataDir,
        ...(target.databaseUrl ? { DATABASE_URL: target.databaseUrl } : {}),
      };

      let running = await start(env);
      cleanups.push(async () => {
        if (running.child.exitCode === null) await kill(running);
      });
      const api = async <T>(method: string, route: string, body: unknown): Promise<T> => {
        const response = await fetch(`${running.url}${route}`, {
          method,
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        return (await response.json()) as T;
      };
      const source = await api<{ id: string; writeKey: string }>('POST', '/api/v1/sources', { name: 'Web' });
      const fn = await api<{ id: string }>('POST', '/api/v1/functions', {
        displayName: 'Forward',
        code: `async function onTrack(event, settings) {
          const res = await fetch(settings.url, { method: 'POST', body: event.messageId });
          if (!res.ok) throw new RetryError('status ' + res.status);
        }`,
        settings: [{ label: 'URL', type: 'string', required: true }],
      });
      await api('POST', '/api/v1/destinations', {
        name: 'Sink',
        functionId: fn.id,
        sourceIds: [source.id],
        settings: { url: `${sink.url}/in` },
      });
      const auth = `Basic ${Buffer.from(`${source.writeKey}:`).toString('base64')}`;

      // The producer resends each batch until it is acknowledged, as analytics-node does.
      const acknowledged: string[] = [];
      let producing = true;
      const producer = (async () => {
        for (let b = 0; b < BATCHES; b++) {
          const batch = Array.from({ length: 50 }, (_, i) => ({
            type: 'track',
            userId: 'u',
            event: 'E',
            messageId: `b${b}-${i}`,
          }));
          for (let attempt = 0; ; attempt++) {
            assert.ok(attempt < 1_000, 'the producer gave up');
            try {
              const response = await fetch(`${running.url}/v1/batch`, {
                method: 'POST',
                headers: { authorization: auth, 'content-type': 'application/json' },
                body: JSON.stringify({ batch }),
                signal: AbortSignal.timeout(5_000),
              });
              if (response.status === 200) {
                acknowledged.push(...batch.map((e) => e.messageId));
                break;
              }
            } catch {
              // killed mid-request: send it again
            }
            await new Promise((resolve) => setTimeout(resolve, 30));
          }
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        producing = false;
      })();

      for (let k = 0; k < KILLS; k++) {
        await new Promise((resolve) => setTimeout(resolve, 150 + Math.floor(Math.random() * 200)));
        await kill(running);
        running = await start(env);
      }
      await producer;
      assert.equal(producing, false);

      const deadline = Date.now() + 60_000;
      const delivered = () => new Set(sink.requests.map((r) => r.body));
      while (acknowledged.some((id) => !delivered().has(id)) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const got = delivered();
      const missing = acknowledged.filter((id) => !got.has(id));
      assert.deepEqual(missing.slice(0, 10), [], `${missing.length} acknowledged events never delivered`);
      const duplicates = sink.requests.length - got.size;
      assert.ok(
        duplicates <= KILLS * PER_DESTINATION_IN_FLIGHT,
        `${duplicates} duplicates is more than was in flight`,
      );

      // The killed processes' leases run out and are handed back: then nothing is left to settle.
      const settledBy = Date.now() + 30_000;
      while ((await unsettled(target.databaseUrl, dataDir)) > 0 && Date.now() < settledBy) {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const exited = new Promise((resolve) => running.child.once('exit', resolve));
      running.child.kill('SIGTERM');
      assert.equal(await exited, 0);
      assert.equal(
        await unsettled(target.databaseUrl, dataDir),
        0,
        'no lease left behind, nothing left pending',
      );
    });
  });
}

/** Deliveries still leased or pending. */
async function unsettled(databaseUrl: string | undefined, dataDir: string): Promise<number> {
  if (databaseUrl) {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      return (
        await client.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM deliveries WHERE state IN ('leased', 'pending')",
        )
      ).rows[0]!.n;
    } finally {
      await client.end();
    }
  }
  const { default: BetterSqlite3 } = await import('better-sqlite3');
  const db = new BetterSqlite3(path.join(dataDir, 'switchyard.db'), { readonly: true });
  try {
    return (
      db.prepare("SELECT count(*) AS n FROM deliveries WHERE state IN ('leased', 'pending')").get() as {
        n: number;
      }
    ).n;
  } finally {
    db.close();
  }
}
