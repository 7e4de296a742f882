import { closeSync, fstatSync, fsync, openSync, statSync } from 'node:fs';

/**
 * Makes ingest commits durable without blocking the event loop. Every transaction commits with
 * synchronous=NORMAL: SQLite writes its frames to the WAL but does not fsync it. Ingest then awaits this
 * fsync of the WAL file, which runs on libuv's thread pool, before it acknowledges. synchronous=FULL does
 * the same fsync inside COMMIT on the main thread: 3–4 ms per ingest group under load, during which nothing
 * else in the process could run. The committer's next group gathers while the fsync runs.
 *
 * Unlike FULL, other work sees a commit before it is on disk: the worker may claim and deliver an event in
 * the fsync's few milliseconds. A power loss then would lose an event that was delivered but never
 * acknowledged; its client sends it again, and the destination gets it twice — within at-least-once.
 *
 * One fsync covers every commit written before it began, so concurrent callers share them: one whose commit
 * came while an fsync was running waits for the next, which they all share. A failed fsync fails every
 * later one too: Linux may have dropped the pages it could not write and report the next fsync clean, so
 * commits already visible could be acknowledged without being on disk. Only a restart, which reads what
 * the disk really holds, clears it.
 */
export class WalSync {
  private descriptor: number | undefined;
  private running: Promise<void> | undefined;
  private next: Promise<void> | undefined;
  private failed: Error | undefined;
  private closed = false;

  /** `fsyncFile`: node's fsync, or a test's stand-in. */
  constructor(
    private readonly walPath: string,
    private readonly fsyncFile: typeof fsync = fsync,
  ) {}

  /** Resolves once everything committed before the call is on disk. */
  sync(): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.closed) return Promise.reject(new Error('the store is closed'));
    if (this.running === undefined) return this.start();
    this.next ??= this.running
      .catch(() => undefined)
      .then(() => {
        this.next = undefined;
        return this.failed ? Promise.reject(this.failed) : this.start();
      });
    return this.next;
  }

  /** Waits for the fsyncs under way, then closes the file. */
  async close(): Promise<void> {
    this.closed = true;
    await this.next?.catch(() => undefined);
    await this.running?.catch(() => undefined);
    if (this.descriptor !== undefined) closeSync(this.descriptor);
    this.descriptor = undefined;
  }

  private start(): Promise<void> {
    const run: Promise<void> = new Promise<void>((resolve, reject) => {
      this.fsyncFile(this.open(), (error) => (error ? reject(error) : resolve()));
    })
      .catch((error: unknown) => {
        this.failed = new Error(
          `the database log could not be written to disk (${(error as Error).message}): ingest stops until Switchyard restarts`,
          { cause: error },
        );
        throw this.failed;
      })
      .finally(() => {
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
    if (this.descriptor !== undefined && fstatSync(this.descriptor).ino !== statSync(this.walPath).ino) {
      closeSync(this.descriptor);
      this.descriptor = undefined;
    }
    this.descriptor ??= openSync(this.walPath, 'r+');
    return this.descriptor;
  }
}
