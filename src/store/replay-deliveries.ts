import { type Kysely, sql } from 'kysely';
import { audited } from './audited-write.ts';
import type { DeliveryFilter } from './delivery-log-repository.ts';
import { mayHaveCategory } from './delivery-page.ts';
import { ORDER_MARGIN_MS, lastIdBefore } from './last-id-before.ts';
import { matchingDeliveries } from './matching-deliveries.ts';
import type { Database } from './schema.ts';

/** Rows per step: each step is a short transaction of its own, so ingest and delivery go on between them. */
const STEP = 500;

const RECEIVED = { table: 'events', column: 'received_at' } as const;

/** The settled states a replay may bring back. */
const REPLAYABLE = ['dead', 'discarded', 'delivered'];

/**
 * Replay in steps. A replay of a million deliveries as one transaction would hold SQLite's only writer (and
 * the server's event loop) for as long as it took; instead each step re-queues up to STEP deliveries, or
 * creates up to STEP missing ones, in a transaction of its own, and the event loop turns between steps.
 * Deliveries are walked per state in the order of the (destination_id, state, id) index, events by slices of
 * ids (those of the time window, found by lastIdBefore), each from where the last step stopped. A re-queued
 * delivery leaves its state, and the walk only goes forward, so it is not met, and sent, twice even if it
 * fails again meanwhile. The first step that changes something carries the request's audit event. Stopped
 * half-way (a crash), a replay has re-queued what it reports so far, and running it again does the rest.
 */
export function createReplay(
  db: Kysely<Database>,
): (
  destinationId: string,
  sourceIds: readonly string[],
  filter: DeliveryFilter,
) => Promise<{ requeued: number; created: number }> {
  /** Steps from `first` while each gives where the next begins, letting the event loop turn between them. */
  const walk = async <C>(
    first: C,
    step: (after: C) => Promise<false | { done: number; next: C | undefined }>,
  ): Promise<number> => {
    let total = 0;
    for (let after: C | undefined = first; after !== undefined;) {
      const result = await step(after);
      if (result === false) break;
      total += result.done;
      after = result.next;
      await new Promise((resolve) => setImmediate(resolve));
    }
    return total;
  };

  const requeueStep = async (
    destinationId: string,
    state: string,
    filter: DeliveryFilter,
    started: number,
    afterId: number,
  ) =>
    audited(db, async (trx) => {
      const rows = await matchingDeliveries(trx, destinationId, { ...filter, status: state })
        .select('d.id as id')
        // Settled by the time the replay began: one that settled since (a retry that went dead meanwhile)
        // was not there to be replayed.
        .where('d.updated_at', '<=', started)
        .where('d.id', '>', afterId)
        .orderBy('d.id')
        .limit(STEP)
        .execute();
      if (rows.length === 0) return false;
      const now = Math.max(Date.now(), started + 1);
      const result = await trx
        .updateTable('deliveries')
        .set({
          state: 'pending',
          run_at: now,
          attempts: 0,
          crash_count: 0,
          category: null,
          last_error: null,
          lease_until: null,
          updated_at: now,
        })
        .where(
          'id',
          'in',
          rows.map((r) => Number(r.id)),
        )
        // Still in the state it was found in (on Postgres, another worker may have changed it since).
        .where('state', '=', state)
        .executeTakeFirst();
      const last = rows[rows.length - 1]!;
      const requeued = Number(result.numUpdatedRows);
      // numUpdatedRows: audited() records the request's audit event with the first step that changed rows.
      return {
        done: requeued,
        numUpdatedRows: requeued,
        next: rows.length < STEP ? undefined : Number(last.id),
      };
    });

  const createStep = async (
    destinationId: string,
    sourceIds: readonly string[],
    window: { since: number; until: number; eventType: string | undefined },
    ids: { after: number; upTo: number },
  ) => {
    // One slice of STEP ids: the (source_id, id) index gives each source's events in it directly.
    const last = Math.min(ids.after + STEP, ids.upTo);
    let query = db
      .selectFrom('events')
      .select('id')
      .where('source_id', 'in', [...sourceIds])
      .where('id', '>', ids.after)
      .where('id', '<=', last)
      .where('received_at', '>=', window.since)
      .where('received_at', '<', window.until);
    if (window.eventType !== undefined) query = query.where('type', '=', window.eventType);
    const events = await query.execute();
    const next = last < ids.upTo ? { after: last, upTo: ids.upTo } : undefined;
    if (events.length === 0) return { done: 0, next };
    // Read outside the transaction: the insert skips any delivery that exists by then (ON CONFLICT).
    return audited(db, async (trx) => {
      const now = Date.now();
      const result = await sql`
        INSERT INTO deliveries (event_id, destination_id, state, run_at, attempts, crash_count, created_at, updated_at)
        SELECT e.id, ${destinationId}, 'pending', ${now}, 0, 0, ${now}, ${now} FROM events e
        WHERE e.id IN (${sql.join(events.map((e) => Number(e.id)))})
        ON CONFLICT (event_id, destination_id) DO NOTHING`.execute(trx);
      const created = Number(result.numAffectedRows ?? 0);
      return { done: created, numInsertedOrUpdatedRows: created, next };
    });
  };

  return async (destinationId, sourceIds, filter) => {
    const states = filter.status === undefined ? ['dead', 'discarded'] : [filter.status];
    const started = Date.now();
    let requeued = 0;
    const replayable = states.filter(
      (s) => REPLAYABLE.includes(s) && (filter.category === undefined || mayHaveCategory(s, filter.category)),
    );
    for (const state of replayable) {
      requeued += await walk(0, (after) => requeueStep(destinationId, state, filter, started, after));
    }
    let created = 0;
    // A time window with no status or category: events of the destination's sources in the window that it
    // never had a delivery for (a newly connected destination).
    if (
      filter.since !== undefined &&
      sourceIds.length > 0 &&
      filter.status === undefined &&
      filter.category === undefined
    ) {
      const window = { since: filter.since, until: filter.until ?? Date.now(), eventType: filter.eventType };
      // The ids that can hold the window's events, widened by the margin their order may be out by.
      const after = await lastIdBefore(db, RECEIVED, window.since - ORDER_MARGIN_MS);
      const upTo = await lastIdBefore(db, RECEIVED, window.until + ORDER_MARGIN_MS);
      if (upTo > after) {
        created = await walk({ after, upTo }, (ids) => createStep(destinationId, sourceIds, window, ids));
      }
    }
    return { requeued, created };
  };
}
