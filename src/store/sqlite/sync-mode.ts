import type BetterSqlite3 from 'better-sqlite3';

type Mode = 'FULL' | 'NORMAL';
const current = new WeakMap<BetterSqlite3.Database, Mode>();

/**
 * Sets PRAGMA synchronous for the next transactions, only when it changes: the pragma is a statement of its
 * own, and the hot paths switch between FULL (ingest) and NORMAL (queue bookkeeping) all the time.
 */
export function setSyncMode(sqlite: BetterSqlite3.Database, mode: Mode): void {
  if (current.get(sqlite) === mode) return;
  sqlite.pragma(`synchronous = ${mode}`);
  current.set(sqlite, mode);
}

/**
 * Before a hot-path transaction on the shared connection: waits for Kysely's transactions (which span awaits)
 * to end — ours must never become a savepoint of somebody else's — then sets the sync mode it needs.
 */
export async function enterHotPath(sqlite: BetterSqlite3.Database, mode: Mode): Promise<void> {
  while (sqlite.inTransaction) await new Promise((resolve) => setImmediate(resolve));
  setSyncMode(sqlite, mode);
}
