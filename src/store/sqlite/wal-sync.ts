import { closeSync, fstatSync, fsync, openSync, statSync } from 'node:fs';

/**
 * Makes ingest commits durable without blocking the event loop. Every transaction commits with
 * synchronous=NORMAL: SQLite writes its frames to the WAL but does not fsync it. Ingest then awaits this
 * fsync of the WAL file, which runs on libuv's thread pool. synchronous=FULL does the same fsync inside
 * COMMIT on the main thread: 3–4 ms per ingest group under load, during which nothing else in the process
 * could run.
 *
 * One fsync covers every commit written before it began, so callers share them: a caller whose commit came
 * while one was running waits for the next, which they all share.
 */
export class WalSync {
  private descriptor: number | undefined;
  private running: Promise<void> | undefined;
  private next: Promise<void> | undefined;

  /** `fsyncFile`: node's fsync, or a test's stand-in. */
  constructor(
    private readonly walPath: string,
    private readonly fsyncFile: typeof fsync = fsync,
  ) {}

  /** Resolves once everything committed before the call is on disk. */
  sync(): Promise<void> {
    if (this.running === undefined) return this.start();
    this.next ??= this.running
      .catch(() => undefined)
      .then(() => {
        this.next = undefined;
        return this.start();
      });
    return this.next;
  }

  close(): void {
    if (this.descriptor !== undefined) closeSync(this.descriptor);
    this.descriptor = undefined;
  }

  private start(): Promise<void> {
    const run: Promise<void> = new Promise<void>((resolve, reject) => {
      this.fsyncFile(this.open(), (error) => (error ? reject(error) : resolve()));
    }).finally(() => {
      if (this.running === run) this.running = undefined;
    });
    this.running = run;
    return run;
  }

  /**
   * The WAL's descriptor, opened again if the file was replaced: an fsync of a file that is no longer the WAL
   * would report success and make nothing durable.
   */
  private open(): number {
    if (this.descriptor !== undefined && fstatSync(this.descriptor).ino !== statSync(this.walPath).ino)
      this.close();
    this.descriptor ??= openSync(this.walPath, 'r+');
    return this.descriptor;
  }
}
