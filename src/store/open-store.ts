import { openPostgresStore } from './postgres/open-postgres-store.ts';
import { openSqliteStore, type SqliteStoreOptions } from './sqlite/open-sqlite-store.ts';
import type { Store } from './store.ts';

/** Postgres when a URL is given, otherwise the embedded SQLite store in dataDir. */
export function openStore(
  options: { dataDir: string; databaseUrl?: string | undefined },
  sqliteOptions?: SqliteStoreOptions,
): Promise<Store> {
  return options.databaseUrl !== undefined
    ? openPostgresStore(options.databaseUrl)
    : openSqliteStore(options.dataDir, sqliteOptions);
}
