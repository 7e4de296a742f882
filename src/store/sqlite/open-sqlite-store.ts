import { type fsync, mkdirSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { createAccessRepository } from '../access-repository.ts';
import { createAuditRepository } from '../audit-repository.ts';
import { createPeopleRepository } from '../people-repository.ts';
import { createRegulationRepository } from '../regulation-repository.ts';
import { createDeliveryLogRepository } from '../delivery-log-repository.ts';
import { createDestinationRepository } from '../destination-repository.ts';
import { createFunctionRepository } from '../function-repository.ts';
import { migrate } from '../migrations/migrate.ts';
import type { Database } from '../schema.ts';
import { createSourceRepository } from '../source-repository.ts';
import type { Store } from '../store.ts';
import { createSqliteDeliveryQueue } from './sqlite-delivery-queue.ts';
import { createSqliteEventRepository } from './sqlite-event-repository.ts';
import { createSqliteRoutesFor } from './sqlite-routes.ts';
import { startWalCheckpointer } from './wal-checkpointer.ts';
import { WalSync } from './wal-sync.ts';

export const SQLITE_FILE_NAME = 'switchyard.db';
const CHECKPOINT_MS = 200;

export interface SqliteStoreOptions {
  /** How often the WAL is copied back into the database file, off the event loop. */
  readonly checkpointMs?: number;
  /** A checkpoint that failed: the log grows until one succeeds. */
  readonly onCheckpointError?: (error: Error) => void;
  /** Log frames above which the writer checkpoints itself (wal-checkpointer.ts); smaller in tests. */
  readonly catchUpFrames?: number;
  /** The fsync ingest awaits (wal-sync.ts); tests hold it to see that acknowledgements wait for it. */
  readonly walFsync?: typeof fsync;
}

/** Opens (creating if needed) the embedded store in dataDir and applies pending migrations. */
export async function openSqliteStore(dataDir: string, options: SqliteStoreOptions = {}): Promise<Store> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const sqlite = new BetterSqlite3(path.join(dataDir, SQLITE_FILE_NAME));
  // WAL lets readers run beside the writer (and invoker processes read the events they run). With
  // synchronous=NORMAL no commit waits for the disk on the event loop: ingest makes its commits survive power
  // loss with an fsync of the WAL off the loop (wal-sync.ts), and everything else is synced by the next
  // ingest commit or by the checkpoint (every 200 ms), which syncs the WAL first.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  // Short: a busy wait blocks the event loop, and Switchyard is normally the only writer.
  sqlite.pragma('busy_timeout = 200');
  // Checkpoints run in a worker thread (wal-checkpointer.ts), not inside the commits of the ingest path. A log
  // that grew under a burst is cut back to this size when it starts again.
  sqlite.pragma('wal_autocheckpoint = 0');
  sqlite.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);

  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  try {
    await migrate(db, 'sqlite');
  } catch (error) {
    await db.destroy();
    throw error;
  }
  const checkpointer = startWalCheckpointer(
    sqlite,
    options.checkpointMs ?? CHECKPOINT_MS,
    options.onCheckpointError ?? ((error) => process.emitWarning(error)),
    options.catchUpFrames,
  );
  const wal = new WalSync(`${sqlite.name}-wal`, options.walFsync);
  return {
    dialect: 'sqlite',
    sqliteFile: sqlite.name,
    events: createSqliteEventRepository(sqlite, wal),
    sources: createSourceRepository(db),
    access: createAccessRepository(db, 'sqlite'),
    people: createPeopleRepository(db),
    audit: createAuditRepository(db),
    functions: createFunctionRepository(db),
    destinations: { ...createDestinationRepository(db), routesFor: createSqliteRoutesFor(sqlite) },
    deliveryLog: createDeliveryLogRepository(db),
    regulations: createRegulationRepository(db),
    deliveries: createSqliteDeliveryQueue(sqlite),
    // Kysely's destroy closes the better-sqlite3 handle too, which checkpoints whatever the log still holds.
    close: async () => {
      await checkpointer.stop();
      await wal.close();
      await db.destroy();
    },
  };
}
