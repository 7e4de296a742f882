import type pg from 'pg';
import type { EventRepository } from '../store.ts';

/**
 * The ingest hot path on Postgres: one statement per group, arrays unnested server-side, so that a group of
 * thousands of events costs one round trip. With synchronous_commit on (the default) the commit is durable
 * when the query returns.
 */
export function createPostgresEventRepository(pool: pg.Pool): EventRepository {
  return {
    async insertMany(rows) {
      if (rows.length === 0) return 0;
      const result = await pool.query(
        `INSERT INTO events (source_id, message_id, type, user_id, anonymous_id, received_at, body)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[])
         ON CONFLICT (source_id, message_id) DO NOTHING`,
        [
          rows.map((r) => r.sourceId),
          rows.map((r) => r.messageId),
          rows.map((r) => r.type),
          rows.map((r) => r.userId),
          rows.map((r) => r.anonymousId),
          rows.map((r) => r.receivedAt),
          rows.map((r) => r.body),
        ],
      );
      return result.rowCount ?? 0;
    },
    async recent(sourceId, limit) {
      const result = await pool.query<{ body: string }>(
        'SELECT body FROM events WHERE source_id = $1 ORDER BY id DESC LIMIT $2',
        [sourceId, limit],
      );
      return result.rows.map((row) => JSON.parse(row.body) as unknown);
    },
    async count(sourceId) {
      const result = await pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM events WHERE source_id = $1',
        [sourceId],
      );
      return result.rows[0]?.n ?? 0;
    },
  };
}
