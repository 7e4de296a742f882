// npm run bench:runtime — the function runtime's speed: warm invocations/s and CPU per event (unbatched and
// onBatch of 20, with and without a fetch to a local sink), cold start, and memory per warm instance.
// The sink runs in a child process so that its CPU is not counted as the runtime's.
import { type ChildProcess, spawn } from 'node:child_process';
import {
  FunctionRuntime,
  type FunctionInstance,
  type InvocationInput,
} from '../src/runtime/function-runtime.ts';
import { runtimeOptions } from '../src/runtime/runtime-options.ts';
import { createTestEvent } from '../src/spec/create-test-event.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const BATCH = 20;

const SINK_SOURCE = `
const http = require('node:http');
const server = http.createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"ok":true}') }) });
server.keepAliveTimeout = 10000;
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));`;

async function startSink(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['-e', SINK_SOURCE], { stdio: ['ignore', 'pipe', 'inherit'] });
  process.once('exit', () => child.kill());
  const port = await new Promise<string>((resolve) =>
    child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim())),
  );
  return { child, url: `http://127.0.0.1:${port}` };
}

interface Figures {
  readonly eventsPerSecond: number;
  readonly cpuMicrosPerEvent: number;
}

/** Invokes for SECONDS with `concurrency` invocations in flight and measures events/s and process CPU per event. */
async function measure(
  runtime: FunctionRuntime,
  fn: FunctionInstance,
  input: InvocationInput,
  concurrency: number,
): Promise<Figures> {
  const perInvocation = 'events' in input ? input.events.length : 1;
  for (let i = 0; i < 200; i++) await runtime.invoke(fn, input); // warm-up: compile, JIT
  let events = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const result = await runtime.invoke(fn, input);
        if (result.status !== 'delivered')
          throw new Error(`unexpected ${result.status}: ${JSON.stringify(result.error)}`);
        events += perInvocation;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { eventsPerSecond: events / seconds, cpuMicrosPerEvent: (used.user + used.system) / events };
}

function line(label: string, figures: Figures, target?: string): void {
  console.log(
    `  ${label.padEnd(34)} ${Math.round(figures.eventsPerSecond).toLocaleString('en').padStart(8)} events/s  ` +
      `${figures.cpuMicrosPerEvent.toFixed(1).padStart(6)} µs CPU/event${target ? `   (target ${target})` : ''}`,
  );
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const sink = await startSink();
const runtime = new FunctionRuntime(runtimeOptions({ fetchAllow: ['127.0.0.1'] }));
try {
  const event = createTestEvent();
  const events = Array.from({ length: BATCH }, () => createTestEvent());
  const instance = (id: string, code: string): FunctionInstance => ({
    id,
    versionId: 'v1',
    code,
    settings: { apiKey: 'bench-key-123', region: 'eu' },
    sensitiveSettings: ['apiKey'],
  });
  const trivial = instance(
    'trivial',
    `async function onTrack(event, settings) { return event.event }\nasync function onBatch(events) { return events.map(() => ({ status: 200 })) }`,
  );
  const fetching = instance(
    'fetching',
    `async function onTrack(event, settings) {
      const res = await fetch('${sink.url}/collect', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) });
      if (!res.ok) throw new RetryError('status ' + res.status);
    }
    async function onBatch(events, settings) {
      const res = await fetch('${sink.url}/batch', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events) });
      if (!res.ok) throw new RetryError('status ' + res.status);
      return events.map(() => ({ status: 200 }));
    }`,
  );

  console.log(
    `Function runtime on ${process.version}, ${SECONDS} s per case, events of ~${JSON.stringify(event).length} B`,
  );
  line('trivial, unbatched', await measure(runtime, trivial, { event }, 1), '≤ 60 µs');
  line(`trivial, onBatch of ${BATCH}`, await measure(runtime, trivial, { events }, 1), '≤ 35 µs');
  line('fetch to a local sink, unbatched', await measure(runtime, fetching, { event }, 8));
  line(`fetch per onBatch of ${BATCH}`, await measure(runtime, fetching, { events }, 8));

  const cold: number[] = [];
  for (let i = 0; i < 50; i++) {
    const started = performance.now();
    const result = await runtime.invoke(instance(`cold-${i}`, trivial.code), { event });
    cold.push(performance.now() - started);
    if (!result.coldStart) throw new Error('expected a cold start');
  }
  console.log(
    `  cold start (first invocation)       p50 ${median(cold).toFixed(2)} ms   max ${Math.max(...cold).toFixed(2)} ms   (target ≤ 10 ms)`,
  );

  await runtime.close();
  const memory = new FunctionRuntime(runtimeOptions({ maxInstances: 10_000 }));
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage().rss;
  const count = 300;
  for (let i = 0; i < count; i++) {
    const fn = instance(`warm-${i}`, trivial.code);
    for (let j = 0; j < 5; j++) await memory.invoke(fn, { event });
  }
  gc?.();
  const perInstance = (process.memoryUsage().rss - before) / count / 1024 / 1024;
  console.log(
    `  memory per warm instance            ${perInstance.toFixed(2)} MB RSS over ${count} instances   (target ≤ 4 MB)`,
  );
  await memory.close();
} finally {
  await runtime.close();
  sink.child.kill();
}
