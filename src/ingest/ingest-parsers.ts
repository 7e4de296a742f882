// Tracking requests are parsed in a thread of their own. JSON.parse, validation, normalisation and the
// stringify for storage cost ~10 µs per event: on the process that owns the store and runs the delivery
// worker, they were an eighth of its time under load, and that process is what limits throughput. The
// thread hands back rows ready to store (their strings are copied, not parsed again).
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { type TrackingInput, type TrackingOutput, parseTracking } from './parse-tracking.ts';

const ENTRY = path.join(import.meta.dirname, 'parse-tracking.ts');
// tsx's ESM entry (a require() resolve would give its CommonJS one, which cannot register the hooks here).
const TSX_API = import.meta.resolve('tsx/esm/api');

// The thread loads the TypeScript sources through tsx, as bin/switchyard.js does for the process.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
(async () => {
  const { register } = await import(${JSON.stringify(TSX_API)});
  register();
  const { parseTracking } = await import(${JSON.stringify(ENTRY)});
  parentPort.on('message', ({ id, input }) => {
    try {
      parentPort.postMessage({ id, output: parseTracking(input) });
    } catch (error) {
      parentPort.postMessage({ id, failure: String(error && error.stack || error) });
    }
  });
  parentPort.postMessage({ ready: true });
})().catch((error) => parentPort.postMessage({ broken: String(error && error.stack || error) }));
`;

interface Waiting {
  readonly input: TrackingInput;
  readonly resolve: (output: TrackingOutput) => void;
  readonly reject: (error: Error) => void;
}

export class IngestParsers {
  private worker: Worker | undefined;
  private ready = false;
  private closed = false;
  private nextId = 1;
  private readonly inFlight = new Map<number, Waiting>();
  private started: (ok: boolean) => void = () => undefined;
  /** Resolves true once the thread parses requests, false if it could not start (requests stay inline). */
  readonly ready$: Promise<boolean> = new Promise((resolve) => (this.started = resolve));

  constructor(private readonly onError: (error: Error) => void = () => undefined) {
    this.start();
  }

  async parse(input: TrackingInput): Promise<TrackingOutput> {
    // Until the thread is up (or after it failed), inline: slower, never wrong.
    if (!this.ready || this.worker === undefined) return parseTracking(input);
    const id = this.nextId++;
    return new Promise<TrackingOutput>((resolve, reject) => {
      this.inFlight.set(id, { input, resolve, reject });
      this.worker!.postMessage({ id, input });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    this.ready = false;
    // What was sent is parsed inline instead: nothing accepted is lost to a stopping thread.
    this.drainInline();
    await worker?.terminate();
  }

  private start(): void {
    if (this.closed) return;
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.unref();
    this.worker = worker;
    worker.on(
      'message',
      (message: {
        id?: number;
        output?: TrackingOutput;
        failure?: string;
        ready?: true;
        broken?: string;
      }) => {
        if (message.ready) {
          this.ready = true;
          this.started(true);
          return;
        }
        if (message.broken !== undefined) {
          this.onError(new Error(`the ingest parser thread could not start: ${message.broken}`));
          this.started(false);
          return; // stays inline
        }
        const waiting = this.inFlight.get(message.id!);
        if (waiting === undefined) return;
        this.inFlight.delete(message.id!);
        if (message.output !== undefined) waiting.resolve(message.output);
        else waiting.reject(new Error(message.failure ?? 'the ingest parser failed'));
      },
    );
    worker.on('error', (error) => this.onError(error));
    worker.on('exit', () => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.ready = false;
      this.drainInline();
      // A thread that died is started again; until it is ready, requests are parsed inline.
      if (!this.closed) setTimeout(() => this.start(), 1_000).unref();
    });
  }

  private drainInline(): void {
    for (const [id, waiting] of this.inFlight) {
      this.inFlight.delete(id);
      try {
        waiting.resolve(parseTracking(waiting.input));
      } catch (error) {
        waiting.reject(error as Error);
      }
    }
  }
}
