import type BetterSqlite3 from 'better-sqlite3';
import {
  type ClaimedDelivery,
  type DeliveryQueue,
  DUE_COUNT_CAP,
  DUE_DESTINATIONS_SQL,
  type Settlement,
  minuteOf,
  sumCounts,
} from '../delivery-queue.ts';
import { DELIVERY_EVENT_SQL, type DeliveryEvent } from './delivery-event-reader.ts';
import { enterHotPath } from './enter-hot-path.ts';

const NO_BODY: DeliveryEvent = { body: '', type: null };

/** The delivery queue on SQLite: one process owns the file, so claims need no row locks. */
export function createSqliteDeliveryQueue(sqlite: BetterSqlite3.Database): DeliveryQueue {
  const due = withLimit((limit) =>
    sqlite.prepare<[number], { destinationId: string; due: number; oldest: number }>(
      DUE_DESTINATIONS_SQL.replace('$1', '?').replace('$2', limit),
    ),
  );
  const pick = withLimit((limit) =>
    sqlite.prepare<
      [string, number],
      { id: number; eventId: number; destinationId: string; attempts: number; createdAt: number }
    >(
      `SELECT id, event_id AS eventId, destination_id AS destinationId, attempts, created_at AS createdAt
       FROM deliveries WHERE destination_id = ? AND state = 'pending' AND run_at <= ? ORDER BY run_at LIMIT ${limit}`,
    ),
  );
  const lease = sqlite.prepare(
    `UPDATE deliveries SET state = 'leased', lease_until = ?, updated_at = ? WHERE id = ?`,
  );
  const load = sqlite.prepare<[number], DeliveryEvent>(DELIVERY_EVENT_SQL);
  // Without bodies (an invoker that reads them itself, Invoker.readsStore): no join, no event JSON read.
  const claim = sqlite.transaction(
    (destinationId: string, limit: number, now: number, leaseUntil: number, bodies: boolean) => {
      const claimed: ClaimedDelivery[] = [];
      for (const row of pick(limit).all(destinationId, now)) {
        lease.run(leaseUntil, now, row.id);
        const event = bodies ? load.get(row.id) : NO_BODY;
        if (event) claimed.push(Object.assign(row, event, { leaseUntil }));
      }
      return claimed;
    },
  );

  const update = sqlite.prepare(
    `UPDATE deliveries SET state = ?, run_at = ?, attempts = ?, category = ?, last_error = ?, lease_until = NULL, updated_at = ?
     WHERE id = ? AND state = 'leased' AND lease_until = ?`,
  );
  const insertAttempt = sqlite.prepare(
    `INSERT INTO attempts (delivery_id, number, started_at, duration_ms, outcome, category, error, logs, requests, destination_id, event_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const count = sqlite.prepare(
    `INSERT INTO delivery_counts (destination_id, minute, outcome, category, count, duration_ms) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (destination_id, minute, outcome, category)
     DO UPDATE SET count = delivery_counts.count + excluded.count, duration_ms = delivery_counts.duration_ms + excluded.duration_ms`,
  );
  const settle = sqlite.transaction((settlements: readonly Settlement[]) => {
    const now = Date.now();
    const minute = minuteOf(now);
    // Only deliveries still under the lease they were claimed with: a settlement written twice (a retry after
    // a lost answer), or one that came after its lease lapsed (the janitor handed the delivery back, and it
    // may have been claimed again since), changes nothing and counts nothing.
    const applied: Settlement[] = [];
    for (const s of settlements) {
      const changed = update.run(
        s.state,
        s.runAt,
        s.attempts,
        s.category,
        s.error,
        now,
        s.id,
        s.leaseUntil,
      ).changes;
      if (changed === 0) continue;
      applied.push(s);
      const a = s.attempt;
      if (a) {
        insertAttempt.run(
          s.id,
          a.number,
          a.startedAt,
          Math.round(a.durationMs),
          a.outcome,
          a.category,
          a.error,
          a.logs,
          a.requests,
          s.destinationId,
          s.eventId,
        );
      }
    }
    for (const sum of sumCounts(applied))
      count.run(sum.destinationId, minute, sum.outcome, sum.category, sum.count, sum.duration);
  });

  const expired = sqlite.prepare<[number], { id: number; crashes: number }>(
    `SELECT id, crash_count + 1 AS crashes FROM deliveries WHERE state = 'leased' AND lease_until < ?`,
  );
  const requeue = sqlite.prepare(
    `UPDATE deliveries SET state = 'pending', crash_count = ?, lease_until = NULL, run_at = ?, updated_at = ? WHERE id = ?`,
  );
  const quarantine = sqlite.prepare(
    `UPDATE deliveries SET state = 'dead', crash_count = ?, lease_until = NULL, category = 'retry', last_error = ?, updated_at = ? WHERE id = ?`,
  );
  const reap = sqlite.transaction((now: number, maxCrashes: number) => {
    let returned = 0;
    let quarantined = 0;
    for (const { id, crashes } of expired.all(now)) {
      if (crashes >= maxCrashes) {
        quarantine.run(crashes, `quarantined: its worker stopped ${crashes} times while running it`, now, id);
        quarantined++;
      } else {
        // Back off a little, so that a delivery that kills its worker is not the first thing claimed again.
        requeue.run(crashes, now + crashes * 5_000, now, id);
        returned++;
      }
    }
    return { returned, quarantined };
  });

  // Queue bookkeeping need not survive power loss — a lost claim lapses, a lost settlement means one more
  // attempt (at-least-once) — so it does not wait for the WAL's fsync (wal-sync.ts). The next ingest commit
  // syncs it anyway.
  const idle = () => enterHotPath(sqlite);
  return {
    async dueDestinations(now, cap = DUE_COUNT_CAP) {
      await idle();
      return due(cap).all(now);
    },
    async claim(destinationId, limit, now, leaseUntil, bodies = true) {
      await idle();
      return claim.immediate(destinationId, limit, now, leaseUntil, bodies);
    },
    async settle(settlements) {
      await idle();
      settle.immediate(settlements);
    },
    async reapExpiredLeases(now, maxCrashes) {
      await idle();
      return reap.immediate(now, maxCrashes);
    },
  };
}

/**
 * A statement per LIMIT, written into its SQL. SQLite (3.47+) plans with a bound LIMIT's value, so that every
 * new binding of it expires the statement and the next step prepares it again: ~5 µs a claim, ~40 µs a look
 * at the due destinations, on the process that owns the store. Limits are few (slots times run or batch size).
 */
function withLimit<S>(prepare: (limit: string) => S): (limit: number) => S {
  const statements = new Map<number, S>();
  return (limit) => {
    if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError(`bad LIMIT ${limit}`);
    let statement = statements.get(limit);
    if (statement === undefined) {
      if (statements.size >= 256) statements.clear(); // bounded, whatever the settings
      statement = prepare(String(limit));
      statements.set(limit, statement);
    }
    return statement;
  };
}
