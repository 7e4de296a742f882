import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';

export interface WalCheckpointer {
  /** Ends the worker thread; the store's own close then checkpoints what is left. */
  stop(): Promise<void>;
}

/**
 * Log frames (4 KiB pages) above which the writing connection checkpoints itself, between its transactions.
 * The thread's checkpoints copy the frames, but the log only starts again from its beginning when no commit
 * lands while one runs — under steady writes, never. Between its own transactions the writer is sure of it.
 */
export const CATCH_UP_FRAMES = 16_384;

/**
 * Copies the write-ahead log back into the database file from a worker thread, so that the WAL stays bounded
 * while the event loop never waits for those page writes and their fsync. The writing connection has
 * automatic checkpoints off (they would run inside the commit that crosses the threshold, on the ingest
 * path). A PASSIVE checkpoint never blocks the writer; once it has copied every frame, the writer's next
 * transaction starts the log again from its beginning. When the log still passes CATCH_UP_FRAMES (steady
 * writes), the writing connection checkpoints itself between transactions: little is left to copy by then.
 */
export function startWalCheckpointer(
  sqlite: BetterSqlite3.Database,
  intervalMs: number,
  onError: (error: Error) => void,
  catchUpFrames = CATCH_UP_FRAMES,
): WalCheckpointer {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      file: sqlite.name,
      intervalMs,
      module: createRequire(import.meta.url).resolve('better-sqlite3'),
    },
  });
  let catchingUp = false;
  worker.on('message', (message: { log: number; checkpointed: number } | { error: string }) => {
    if ('error' in message) {
      onError(new Error(`WAL checkpoint failed: ${message.error}`));
      return;
    }
    if (message.log < catchUpFrames || catchingUp) return;
    catchingUp = true;
    const catchUp = () => {
      // Inside a transaction of Kysely's (which spans awaits) the log cannot restart: try again shortly.
      if (sqlite.inTransaction || !sqlite.open) {
        if (sqlite.open) setTimeout(catchUp, 5);
        else catchingUp = false;
        return;
      }
      try {
        sqlite.pragma('wal_checkpoint(PASSIVE)');
      } catch (error) {
        onError(error as Error);
      }
      catchingUp = false;
    };
    setImmediate(catchUp);
  });
  worker.on('error', onError);
  let stopping = false;
  let exited = false;
  worker.on('exit', () => {
    exited = true;
    if (stopping || !sqlite.open) return;
    // Without the thread the log would grow again: the writer goes back to checkpointing in its commits.
    onError(new Error('the WAL checkpoint thread stopped; checkpoints now run in the commits'));
    sqlite.pragma('wal_autocheckpoint = 1000');
  });
  // The thread must not keep a stopping process alive.
  worker.unref();
  return {
    async stop() {
      stopping = true;
      if (exited) return;
      const ended = new Promise((resolve) => worker.once('exit', resolve));
      // Waiting for the thread to end is a reason to stay alive.
      worker.ref();
      worker.postMessage('stop');
      await ended;
    },
  };
}

// Plain CommonJS for the worker: it runs without the TypeScript loader. Its own connection only reads and
// checkpoints; it never writes a row.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 0');
let lastLog = -1;
const timer = setInterval(() => {
  try {
    const [row] = db.pragma('wal_checkpoint(PASSIVE)');
    // A busy checkpoint (another checkpoint running) or an empty log is nothing to report.
    if (row.log > 0 && row.log !== lastLog) parentPort.postMessage({ log: row.log, checkpointed: row.checkpointed });
    lastLog = row.log;
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message || error) });
  }
}, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;
