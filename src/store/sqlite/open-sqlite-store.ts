import { mkdirSync } from 'node:fs';
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
import { setSyncMode } from './sync-mode.ts';
import { createSqliteDeliveryQueue } from './sqlite-delivery-queue.ts';
import { createSqliteEventRepository } from './sqlite-event-repository.ts';

export const SQLITE_FILE_NAME = 'switchyard.db';

/** Opens (creating if needed) the embedded store in dataDir and applies pending migrations. */
export async function openSqliteStore(dataDir: string): Promise<Store> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const sqlite = new BetterSqlite3(path.join(dataDir, SQLITE_FILE_NAME));
  // WAL lets readers run beside the writer. synchronous=FULL makes a commit survive power loss, not just a
  // process crash; with group commit it costs no throughput (research/pipeline.md §3).
  sqlite.pragma('journal_mode = WAL');
  setSyncMode(sqlite, 'FULL');
  sqlite.pragma('foreign_keys = ON');
  // Short: a busy wait blocks the event loop, and Switchyard is normally the only writer.
  sqlite.pragma('busy_timeout = 200');
  sqlite.pragma('wal_autocheckpoint = 0');

  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  try {
    await migrate(db, 'sqlite');
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return {
    dialect: 'sqlite',
    events: createSqliteEventRepository(sqlite),
    sources: createSourceRepository(db),
    access: createAccessRepository(db, 'sqlite'),
    people: createPeopleRepository(db),
    audit: createAuditRepository(db),
    functions: createFunctionRepository(db),
    destinations: createDestinationRepository(db),
    deliveryLog: createDeliveryLogRepository(db),
    regulations: createRegulationRepository(db),
    deliveries: createSqliteDeliveryQueue(sqlite),
    // Kysely's destroy closes the better-sqlite3 handle too.
    close: () => db.destroy(),
  };
}
