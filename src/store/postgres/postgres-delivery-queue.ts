import type pg from 'pg';
import {
  DUE_COUNT_CAP,
  DUE_DESTINATIONS_SQL,
  type ClaimedDelivery,
  type DeliveryQueue,
  minuteOf,
} from '../delivery-queue.ts';

/**
 * The delivery queue on Postgres. Claims lock rows with FOR UPDATE SKIP LOCKED, so any number of worker
 * processes on any number of machines share one destination's work without claiming a row twice.
 */
export function createPostgresDeliveryQueue(pool: pg.Pool, queue: pg.Pool = pool): DeliveryQueue {
  const inTransaction = async <T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
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
  };

  return {
    async dueDestinations(now, cap = DUE_COUNT_CAP) {
      const result = await pool.query<{ destinationId: string; due: number | string; oldest: number }>(
        DUE_DESTINATIONS_SQL,
        [now, cap],
      );
      return result.rows.map((row) => ({ ...row, due: Number(row.due) }));
    },

    async claim(destinationId, limit, now, leaseUntil) {
      const result = await queue.query<ClaimedDelivery>(
        `WITH picked AS (
           SELECT id FROM deliveries
           WHERE destination_id = $1 AND state = 'pending' AND run_at <= $2
           ORDER BY run_at LIMIT $3 FOR UPDATE SKIP LOCKED
         ), leased AS (
           UPDATE deliveries d SET state = 'leased', lease_until = $4, updated_at = $2
           FROM picked WHERE d.id = picked.id
           RETURNING d.id, d.event_id, d.destination_id, d.attempts, d.created_at, d.payload
         )
         SELECT l.id, l.event_id AS "eventId", l.destination_id AS "destinationId", l.attempts,
                l.created_at AS "createdAt", coalesce(l.payload, e.body) AS body,
                CASE WHEN l.payload IS NULL THEN e.type END AS type
         FROM leased l JOIN events e ON e.id = l.event_id ORDER BY l.id`,
        [destinationId, now, limit, leaseUntil],
      );
      for (const row of result.rows) Object.assign(row, { leaseUntil });
      return result.rows;
    },

    async settle(settlements) {
      if (settlements.length === 0) return;
      const now = Date.now();
      const logged = settlements.filter((s) => s.attempt !== undefined);
      // In key order, so that workers settling at once lock the same counter rows in the same order.
      const counted = settlements
        .filter((s) => s.count !== undefined)
        .sort((a, b) =>
          `${a.destinationId}\u0000${a.count!.outcome}\u0000${a.count!.category}` <
          `${b.destinationId}\u0000${b.count!.outcome}\u0000${b.count!.category}`
            ? -1
            : 1,
        );
      // One statement (its CTEs commit together): one round trip per group instead of five. Only deliveries
      // still under the lease they were claimed with are settled, and only those are logged and counted: a
      // settlement written twice (a retry after a lost answer), or one that came after its lease lapsed (the
      // janitor handed the delivery back, and another worker may hold it now), changes nothing.
      await queue.query(
        `WITH settled AS (
           UPDATE deliveries d SET state = x.state, run_at = x.run_at, attempts = x.attempts, category = x.category,
                  last_error = x.error, lease_until = NULL, updated_at = $7
           FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::int[], $5::text[], $6::text[], $25::bigint[])
             AS x(id, state, run_at, attempts, category, error, lease_until)
           WHERE d.id = x.id AND d.state = 'leased' AND d.lease_until = x.lease_until
           RETURNING d.id
         ), logged AS (
           INSERT INTO attempts (delivery_id, number, started_at, duration_ms, outcome, category, error, logs, requests, destination_id, event_id)
           SELECT a.* FROM unnest($8::bigint[], $9::int[], $10::bigint[], $11::int[], $12::text[], $13::text[], $14::text[],
                                  $15::text[], $16::text[], $17::text[], $18::bigint[])
             AS a(delivery_id, number, started_at, duration_ms, outcome, category, error, logs, requests, destination_id, event_id)
           WHERE a.delivery_id IN (SELECT id FROM settled)
         )
         INSERT INTO delivery_counts (destination_id, minute, outcome, category, count, duration_ms)
         SELECT c.d, $24, c.o, c.c, count(*), sum(c.t)
         FROM unnest($19::bigint[], $20::text[], $21::text[], $22::text[], $23::bigint[]) AS c(id, d, o, c, t)
         WHERE c.id IN (SELECT id FROM settled)
         GROUP BY c.d, c.o, c.c ORDER BY c.d, c.o, c.c
         ON CONFLICT (destination_id, minute, outcome, category)
         DO UPDATE SET count = delivery_counts.count + excluded.count, duration_ms = delivery_counts.duration_ms + excluded.duration_ms`,
        [
          settlements.map((s) => s.id),
          settlements.map((s) => s.state),
          settlements.map((s) => s.runAt),
          settlements.map((s) => s.attempts),
          settlements.map((s) => s.category),
          settlements.map((s) => s.error),
          now,
          logged.map((s) => s.id),
          logged.map((s) => s.attempt!.number),
          logged.map((s) => s.attempt!.startedAt),
          logged.map((s) => Math.round(s.attempt!.durationMs)),
          logged.map((s) => s.attempt!.outcome),
          logged.map((s) => s.attempt!.category),
          logged.map((s) => s.attempt!.error),
          logged.map((s) => s.attempt!.logs),
          logged.map((s) => s.attempt!.requests),
          logged.map((s) => s.destinationId),
          logged.map((s) => s.eventId),
          counted.map((s) => s.id),
          counted.map((s) => s.destinationId),
          counted.map((s) => s.count!.outcome),
          counted.map((s) => s.count!.category),
          counted.map((s) => Math.round(s.count!.durationMs)),
          minuteOf(now),
          settlements.map((s) => s.leaseUntil),
        ],
      );
    },

    async reapExpiredLeases(now, maxCrashes) {
      return inTransaction(async (client) => {
        const quarantined = await client.query(
          `UPDATE deliveries SET state = 'dead', crash_count = crash_count + 1, lease_until = NULL, category = 'retry',
                  last_error = 'quarantined: its worker stopped ' || (crash_count + 1) || ' times while running it', updated_at = $1
           WHERE state = 'leased' AND lease_until < $1 AND crash_count + 1 >= $2`,
          [now, maxCrashes],
        );
        // Back off a little, so that a delivery that kills its worker is not the first thing claimed again.
        const returned = await client.query(
          `UPDATE deliveries SET state = 'pending', crash_count = crash_count + 1, lease_until = NULL,
                  run_at = $1 + (crash_count + 1) * 5000, updated_at = $1
           WHERE state = 'leased' AND lease_until < $1`,
          [now],
        );
        return { returned: returned.rowCount ?? 0, quarantined: quarantined.rowCount ?? 0 };
      });
    },
  };
}
