import type BetterSqlite3 from 'better-sqlite3';

/**
 * Before a hot-path transaction on the shared connection: waits for Kysely's transactions (which span awaits)
 * to end — ours must never become a savepoint of somebody else's.
 */
export async function enterHotPath(sqlite: BetterSqlite3.Database): Promise<void> {
  while (sqlite.inTransaction) await new Promise((resolve) => setImmediate(resolve));
}
