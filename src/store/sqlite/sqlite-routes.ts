import type BetterSqlite3 from 'better-sqlite3';
import type { Route } from '../destination-repository.ts';
import { enterHotPath } from './enter-hot-path.ts';

/**
 * DestinationRepository.routesFor on SQLite, for ingest's fan-out: read once per commit group, where
 * Kysely's query building and a fresh prepare of the same statement each time were ~4% of the process that
 * owns the store under load. One prepared statement takes any number of sources as a JSON array.
 */
export function createSqliteRoutesFor(
  sqlite: BetterSqlite3.Database,
): (sourceIds: readonly string[]) => Promise<Route[]> {
  const select = sqlite.prepare<[string], Route>(
    `SELECT ds.source_id AS sourceId, d.id AS destinationId, d.name AS name, d.filters AS filters
     FROM destination_sources AS ds JOIN destinations AS d ON d.id = ds.destination_id
     WHERE ds.source_id IN (SELECT value FROM json_each(?)) AND d.enabled = 1`,
  );
  return async (sourceIds) => {
    if (sourceIds.length === 0) return [];
    // Not inside a transaction of Kysely's on the same connection: it would see changes not yet committed.
    await enterHotPath(sqlite);
    return select.all(JSON.stringify(sourceIds));
  };
}
