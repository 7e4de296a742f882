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
