import type BetterSqlite3 from 'better-sqlite3';
import { minuteOf } from '../delivery-queue.ts';
import type { EventRepository, EventRow } from '../store.ts';
import { enterHotPath } from './enter-hot-path.ts';
import type { WalSync } from './wal-sync.ts';

/**
 * The ingest hot path on SQLite: raw prepared statements, one synchronous transaction per group, each new
 * event with its deliveries. It shares the connection with Kysely, whose transactions span awaits; a group
 * must never run inside one of those (it would become a savepoint of somebody else's transaction), so it
 * waits for it to end.
 */
export function createSqliteEventRepository(sqlite: BetterSqlite3.Database, wal: WalSync): EventRepository {
  const insertEvent = sqlite.prepare(
    `INSERT INTO events (source_id, message_id, type, user_id, anonymous_id, received_at, body)
     VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source_id, message_id) DO NOTHING`,
  );
  const insertDelivery = sqlite.prepare(
    `INSERT INTO deliveries (event_id, destination_id, state, run_at, attempts, crash_count, created_at, updated_at, payload)
     VALUES (?, ?, 'pending', ?, 0, 0, ?, ?, ?) ON CONFLICT (event_id, destination_id) DO NOTHING`,
  );
  const countFiltered = sqlite.prepare(
    `INSERT INTO delivery_counts (destination_id, minute, outcome, category, count, duration_ms)
     VALUES (?, ?, 'filtered', '', ?, 0)
     ON CONFLICT (destination_id, minute, outcome, category) DO UPDATE SET count = delivery_counts.count + excluded.count`,
  );
  const insertAll = sqlite.transaction((rows: readonly EventRow[]) => {
    let inserted = 0;
    const filtered = new Map<string, number>();
    for (const r of rows) {
      const result = insertEvent.run(
        r.sourceId,
        r.messageId,
        r.type,
        r.userId,
        r.anonymousId,
        r.receivedAt,
        r.body,
      );
      if (result.changes === 0) continue; // a resend: its deliveries exist already
      inserted++;
      for (const d of r.deliveries ?? []) {
        insertDelivery.run(
          result.lastInsertRowid,
          d.destinationId,
          r.receivedAt,
          r.receivedAt,
          r.receivedAt,
          d.payload,
        );
      }
      for (const id of r.filteredOut ?? []) filtered.set(id, (filtered.get(id) ?? 0) + 1);
    }
    const minute = minuteOf(Date.now());
    for (const [destinationId, count] of filtered) countFiltered.run(destinationId, minute, count);
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
      await enterHotPath(sqlite);
      const inserted = insertAll.immediate(rows);
      // Acknowledged events must survive power loss: the caller acknowledges once the WAL holding this
      // commit (and any earlier queue commits) is on disk.
      await wal.sync();
      return inserted;
    },
    recent(sourceId, limit) {
      return Promise.resolve(recent.all(sourceId, limit).map((row) => JSON.parse(row.body) as unknown));
    },
    count(sourceId) {
      return Promise.resolve(count.get(sourceId)?.n ?? 0);
    },
  };
}
