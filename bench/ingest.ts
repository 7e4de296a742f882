// npm run bench:ingest — ingest throughput and acknowledgement latency of /v1/batch.
// Switchyard runs as its own process (as users run it); this process is the load generator. For each store
// (SQLite, and Postgres when DATABASE_URL is set): a closed loop at full load, an open loop at half that rate
// and one at 7,500 events/s, each for a bounded time, then a check that every acknowledged event is stored.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { forEachStore } from './for-each-store.ts';
import { createTestEvent } from '../src/spec/create-test-event.ts';
import { openStore } from '../src/store/open-store.ts';

const BATCH_SIZE = 100;
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const TOKEN = 'sy_bench_owner_token_0123456789';
const BIN = path.resolve(import.meta.dirname, '../bin/switchyard.js');

interface Phase {
  readonly events: number;
  readonly seconds: number;
  readonly latencies: number[];
  readonly failures: number;
}

/** One request body: 100 events of ~1 KB, with __N__ replaced to make every messageId unique. */
function batchTemplate(): string {
  const events = Array.from({ length: BATCH_SIZE }, (_, i) => {
    const event = createTestEvent({ type: 'track', messageId: `__N__-${i}` });
    for (const key of ['receivedAt', 'timestamp']) delete event[key];
    event.properties = { ...event.properties, sku: 'SKU-0001', note: 'x'.repeat(330) };
    return event;
  });
  return JSON.stringify({ batch: events, sentAt: new Date().toISOString() });
}

async function startServer(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [BIN, 'start', '--port', '0', '--log-level', 'warn'], {
    env: {
      PATH: process.env.PATH,
      SWITCHYARD_ADMIN_TOKEN: TOKEN,
      NODE_OPTIONS: process.env.SERVER_NODE_OPTIONS ?? '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /running at (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { child, url };
}

async function createSource(url: string): Promise<{ id: string; writeKey: string }> {
  const response = await fetch(`${url}/api/v1/sources`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench' }),
  });
  return (await response.json()) as { id: string; writeKey: string };
}

/** Sends batches until the deadline: as fast as possible, or at `rate` requests/s when given. */
async function runPhase(
  pool: Pool,
  auth: string,
  template: string,
  next: () => number,
  seconds: number,
  rate?: number,
): Promise<Phase> {
  const latencies: number[] = [];
  let failures = 0;
  let events = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const send = async () => {
    const body = template.replaceAll('__N__', String(next()));
    const t0 = performance.now();
    const response = await pool.request({
      method: 'POST',
      path: '/v1/batch',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body,
    });
    await response.body.dump();
    latencies.push(performance.now() - t0);
    if (response.statusCode === 200) events += BATCH_SIZE;
    else failures++;
  };
  if (rate === undefined) {
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (performance.now() < deadline) await send();
      }),
    );
  } else {
    const inFlight: Promise<void>[] = [];
    for (let i = 0; performance.now() < deadline; i++) {
      const due = started + (i * 1000) / rate;
      if (due > performance.now()) await sleep(due - performance.now());
      inFlight.push(send());
    }
    await Promise.all(inFlight);
  }
  return { events, seconds: (performance.now() - started) / 1000, latencies, failures };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function report(label: string, phase: Phase): void {
  const rate = phase.events / phase.seconds;
  console.log(
    `  ${label.padEnd(22)} ${Math.round(rate).toLocaleString('en').padStart(7)} events/s   ` +
      `ack p50 ${percentile(phase.latencies, 50).toFixed(1)} ms   p90 ${percentile(phase.latencies, 90).toFixed(1)} ms   ` +
      `p99 ${percentile(phase.latencies, 99).toFixed(1)} ms   max ${percentile(phase.latencies, 100).toFixed(1)} ms   ` +
      `(${phase.latencies.length} requests, ${phase.failures} refused)`,
  );
}

async function benchStore(name: string, dataDir: string, databaseUrl: string | undefined): Promise<void> {
  const { child, url } = await startServer({
    SWITCHYARD_DATA_DIR: dataDir,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  });
  const pool = new Pool(url, { connections: CLIENTS * 2, pipelining: 1 });
  let acknowledged: number;
  let sourceId: string;
  try {
    const source = await createSource(url);
    sourceId = source.id;
    const auth = `Basic ${Buffer.from(`${source.writeKey}:`).toString('base64')}`;
    const template = batchTemplate();
    let n = 0;
    const next = () => n++;
    console.log(
      `${name}: batches of ${BATCH_SIZE} events (~${Math.round(template.length / BATCH_SIZE)} B each), ${CLIENTS} clients`,
    );
    await runPhase(pool, auth, template, next, 2); // warm-up
    const full = await runPhase(pool, auth, template, next, SECONDS);
    report('full load', full);
    const halfRate = full.events / full.seconds / 2 / BATCH_SIZE;
    const half = await runPhase(pool, auth, template, next, SECONDS, halfRate);
    report('half load (open loop)', half);
    // The issue's latency target is stated at half of the 15,000 events/s throughput target.
    const target = await runPhase(pool, auth, template, next, SECONDS, 7_500 / BATCH_SIZE);
    report('7,500 events/s (open)', target);
    acknowledged = full.events + half.events + target.events;
  } finally {
    await pool.close();
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
  const store = await openStore({ dataDir, databaseUrl });
  try {
    const count = await store.events.count(sourceId);
    console.log(
      `  stored after stop: ${count.toLocaleString('en')} events (acknowledged in measured phases: ${acknowledged.toLocaleString('en')})`,
    );
  } finally {
    await store.close();
  }
}

await forEachStore('switchyard-bench', benchStore);
