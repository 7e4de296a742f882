// Tracking requests are parsed in a thread of their own. JSON.parse, validation, normalisation and the
// stringify for storage cost ~10 µs per event: on the process that owns the store and runs the delivery
// worker, they were an eighth of its time under load, and that process is what limits throughput. The
// thread hands back rows ready to store (their strings are copied, not parsed again). Each request's body
// is moved to the thread, not copied: cloning a 100 KB batch cost the owning thread ~250 µs on this VM
// (page faults on fresh memory), a tenth of its time under load. The thread then holds the only copy, so a
// thread that dies takes its requests with it: those are refused with a 503 the client retries, never parsed
// from a detached (empty) body.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { AppError } from '../server/app-error.ts';
import { type TrackingInput, type TrackingOutput, parseTracking } from './parse-tracking.ts';

const ENTRY = pathToFileURL(path.join(import.meta.dirname, 'parse-tracking.ts')).href;
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

/**
 * Requests handed to the thread and not yet answered, beyond which they are parsed inline: the thread must
 * not become an unbounded queue of request bodies (up to 500 KB each) ahead of the committer's backpressure.
 */
const MAX_IN_FLIGHT = 64;

interface Waiting {
  readonly resolve: (output: TrackingOutput) => void;
  readonly reject: (error: Error) => void;
}

export class IngestParsers {
  private worker: Worker | undefined;
  private ready = false;
  private closed = false;
  /** The thread could not load its code: not started again. */
  private broken = false;
  private nextId = 1;
  private readonly inFlight = new Map<number, Waiting>();
  private started: (ok: boolean) => void = () => undefined;
  /** Resolves true once the thread parses requests, false if it could not start (requests stay inline). */
  readonly ready$: Promise<boolean> = new Promise((resolve) => (this.started = resolve));

  constructor(private readonly onError: (error: Error) => void = () => undefined) {
    this.start();
  }

  async parse(input: TrackingInput): Promise<TrackingOutput> {
    // Until the thread is up (or after it failed), or while it is behind: inline, slower, never wrong.
    const worker = this.worker;
    if (!this.ready || worker === undefined || this.inFlight.size >= MAX_IN_FLIGHT)
      return parseTracking(input);
    // A body that owns its memory whole (Fastify concatenates one for anything over 4 KB) moves as is; a
    // small one is a view of Node's shared 8 KB pool, which must not move: its bytes are copied out first.
    const { body } = input;
    const sent =
      body === undefined || (body.byteOffset === 0 && body.byteLength === body.buffer.byteLength)
        ? body
        : new Uint8Array(body);
    const id = this.nextId++;
    return new Promise<TrackingOutput>((resolve, reject) => {
      this.inFlight.set(id, { resolve, reject });
      worker.postMessage(
        { id, input: { ...input, body: sent } },
        sent === undefined ? [] : [sent.buffer as ArrayBuffer],
      );
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.started(false);
    const worker = this.worker;
    this.worker = undefined;
    this.ready = false;
    // The server stops taking requests and waits for those it has before this: normally none is left.
    this.refuseInFlight('the server is shutting down');
    await worker?.terminate();
  }

  private start(): void {
    if (this.closed) return;
    let worker: Worker;
    try {
      worker = new Worker(WORKER_SOURCE, { eval: true });
    } catch (error) {
      // No thread (out of memory or threads): inline, and another try later.
      this.onError(error as Error);
      setTimeout(() => this.start(), 10_000).unref();
      return;
    }
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
          // It would fail the same way again: requests stay inline for the life of the process.
          this.onError(new Error(`the ingest parser thread could not start: ${message.broken}`));
          this.broken = true;
          this.started(false);
          return;
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
      this.refuseInFlight('the ingest parser stopped');
      // A thread that died is started again; until it is ready, requests are parsed inline.
      if (!this.closed && !this.broken) setTimeout(() => this.start(), 1_000).unref();
    });
  }

  /** The thread has the only copy of these bodies: their clients are told to send them again. */
  private refuseInFlight(reason: string): void {
    for (const [id, waiting] of this.inFlight) {
      this.inFlight.delete(id);
      waiting.reject(
        new AppError(503, 'unavailable', `${reason}; retry later`, {
          headers: { 'retry-after': '1' },
          extra: { success: false },
        }),
      );
    }
  }
}
