import type BetterSqlite3 from 'better-sqlite3';
import type { EventRepository, EventRow } from '../store.ts';

/**
 * The ingest hot path on SQLite: raw prepared statements, one synchronous transaction per group.
 * It shares the connection with Kysely, whose transactions span awaits; a group must never run inside one
 * of those (it would become a savepoint of somebody else's transaction), so it waits for it to end.
 */
export function createSqliteEventRepository(sqlite: BetterSqlite3.Database): EventRepository {
  const insert = sqlite.prepare(
    `INSERT INTO events (source_id, message_id, type, user_id, anonymous_id, received_at, body)
     VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source_id, message_id) DO NOTHING`,
  );
  const insertAll = sqlite.transaction((rows: readonly EventRow[]) => {
    let inserted = 0;
    for (const r of rows) {
      inserted += insert.run(
        r.sourceId,
        r.messageId,
        r.type,
        r.userId,
        r.anonymousId,
        r.receivedAt,
        r.body,
      ).changes;
    }
    return inserted;
  });
  const recent = sqlite.prepare<[string, number], { body: string }>(
    'SELECT body FROM events WHERE source_id = ? ORDER BY id DESC LIMIT ?',
  );
  const count = sqlite.prepare<[string], { n: number }>(
    'SELECT count(*) AS n FROM events WHERE source_id = ?',
  );

  return {
    async insertMany(rows) {
      while (sqlite.inTransaction) await new Promise((resolve) => setImmediate(resolve));
      return insertAll.immediate(rows);
    },
    recent(sourceId, limit) {
      return Promise.resolve(recent.all(sourceId, limit).map((row) => JSON.parse(row.body) as unknown));
    },
    count(sourceId) {
      return Promise.resolve(count.get(sourceId)?.n ?? 0);
    },
  };
}
