import type pg from 'pg';
import { minuteOf } from '../delivery-queue.ts';
import type { EventRepository } from '../store.ts';

/**
 * The ingest hot path on Postgres: arrays unnested server-side, so that a group of thousands of events costs
 * a few round trips, and the new events' deliveries written in the same transaction. With synchronous_commit
 * on (the default) the commit is durable when COMMIT returns.
 */
export function createPostgresEventRepository(pool: pg.Pool): EventRepository {
  return {
    async insertMany(rows) {
      if (rows.length === 0) return 0;
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const inserted = await client.query<{ id: number; source_id: string; message_id: string }>(
          `INSERT INTO events (source_id, message_id, type, user_id, anonymous_id, received_at, body)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[])
           ON CONFLICT (source_id, message_id) DO NOTHING
           RETURNING id, source_id, message_id`,
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
        const ids = new Map(inserted.rows.map((r) => [`${r.source_id}\u0000${r.message_id}`, r.id]));
        const eventIds: number[] = [];
        const destinationIds: string[] = [];
        const times: number[] = [];
        const payloads: (string | null)[] = [];
        const filtered = new Map<string, number>();
        const seen = new Set<number>();
        for (const row of rows) {
          const id = ids.get(`${row.sourceId}\u0000${row.messageId}`);
          // Only new events get deliveries; a messageId twice in one group is one event.
          if (id === undefined || seen.has(id)) continue;
          seen.add(id);
          for (const d of row.deliveries ?? []) {
            eventIds.push(id);
            destinationIds.push(d.destinationId);
            times.push(row.receivedAt);
            payloads.push(d.payload);
          }
          for (const destinationId of row.filteredOut ?? [])
            filtered.set(destinationId, (filtered.get(destinationId) ?? 0) + 1);
        }
        if (eventIds.length > 0) {
          await client.query(
            `INSERT INTO deliveries (event_id, destination_id, state, run_at, attempts, crash_count, created_at, updated_at, payload)
             SELECT e, d, 'pending', t, 0, 0, t, t, p FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[]) AS x(e, d, t, p)
             ON CONFLICT (event_id, destination_id) DO NOTHING`,
            [eventIds, destinationIds, times, payloads],
          );
        }
        if (filtered.size > 0) {
          await client.query(
            `INSERT INTO delivery_counts (destination_id, minute, outcome, category, count, duration_ms)
             SELECT d, $3, 'filtered', '', c, 0 FROM unnest($1::text[], $2::bigint[]) AS x(d, c)
             ON CONFLICT (destination_id, minute, outcome, category) DO UPDATE SET count = delivery_counts.count + excluded.count`,
            [[...filtered.keys()], [...filtered.values()], minuteOf(Date.now())],
          );
        }
        await client.query('COMMIT');
        return inserted.rowCount ?? 0;
      } catch (error) {
        // A connection that cannot even roll back is closed rather than handed to the next caller.
        broken = await client.query('ROLLBACK').then(
          () => undefined,
          (rollbackError: unknown) => rollbackError as Error,
        );
        throw error;
      } finally {
        client.release(broken);
      }
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
