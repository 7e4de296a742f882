import { type Kysely, sql } from 'kysely';
import { createCountRollup } from './count-rollup.ts';
import { lastIdBefore } from './last-id-before.ts';
import { type Step, both } from './purge-step.ts';
import type { RetentionCutoffs } from './delivery-log-repository.ts';
import type { Database } from './schema.ts';

/** The attempt outcomes that are failures (settle-outcome.ts), kept as long as failures are. */
const FAILED_OUTCOMES = ['retry', 'throttled', 'discarded', 'dead'];

/**
 * How often the events and deliveries scans start again from the oldest row: to find the events a purged
 * failure freed, and the deliveries that settled after a cutoff and have passed it since.
 */
const RESCAN_MS = 60 * 60_000;

const CREATED = { table: 'deliveries', column: 'created_at' } as const;

/**
 * Retention, in steps of at most `limit` rows of each kind, each found through an index so that a step costs
 * the same however large the tables are:
 * - attempts by outcome and start time;
 * - deliveries per destination and settled state (delivered ones after successBefore, discarded and dead
 *   ones after failureBefore), walked by id up to the last delivery created before the cutoff, from where
 *   the last step stopped; and every delivery of a destination that was deleted;
 * - events older than eventsBefore that no delivery refers to. Those a kept failure still refers to are
 *   stepped over, and looked at again only hourly, rather than scanned at every step;
 * - per-minute delivery counters, merged into hours and days as they age and dropped after 400 days
 *   (count-rollup.ts).
 * Returns how many rows went, and whether a kind stopped at its limit.
 */
export function createRetentionPurge(
  db: Kysely<Database>,
): (policy: RetentionCutoffs, limit: number) => Promise<Step> {
  // Events at or below this id were looked at in this round: deleted, or still referred to.
  let eventsFrom = 0;
  let roundStarted = 0;
  // The same per destination and settled state: its deliveries at or below the id were deleted, or kept
  // because they settled after the cutoff (a late retry, a replay). Those, and those that were not settled
  // yet when the walk went past, are looked at again in the next round.
  const deliveriesFrom = new Map<string, number>();
  let deliveriesRoundStarted = 0;
  let deliveriesTurn = 0;

  const deleteIds = async (table: 'attempts' | 'deliveries' | 'events', ids: readonly number[]) =>
    ids.length === 0
      ? 0
      : Number((await db.deleteFrom(table).where('id', 'in', ids).executeTakeFirst()).numDeletedRows);
  const idsOf = (rows: readonly { id: number | string }[]) => rows.map((r) => Number(r.id));

  const attempts = async (policy: RetentionCutoffs, limit: number): Promise<Step> => {
    const expire = async (outcomes: string[], before: number) => {
      const ids = idsOf(
        await db
          .selectFrom('attempts')
          .select('id')
          .where('outcome', 'in', outcomes)
          .where('started_at', '<', before)
          .limit(limit)
          .execute(),
      );
      return { removed: await deleteIds('attempts', ids), more: ids.length === limit };
    };
    return both(
      await expire(['delivered'], policy.successBefore),
      await expire(FAILED_OUTCOMES, policy.failureBefore),
    );
  };

  const deliveries = async (policy: RetentionCutoffs, limit: number): Promise<Step> => {
    const now = Date.now();
    if (now - deliveriesRoundStarted >= RESCAN_MS) {
      deliveriesFrom.clear();
      deliveriesRoundStarted = now;
    }
    const withDeliveries = await destinationsWithDeliveries(db);
    // Read after: a destination created meanwhile, whose first deliveries the scan saw, is in it.
    const existing = new Set((await db.selectFrom('destinations').select('id').execute()).map((d) => d.id));
    // Only deliveries created before a cutoff can have settled before it: those up to its bound. Not widened
    // by the margin ids and times may be out of order by: the walk would step past deliveries not yet old,
    // every step, leaving them to the next round. One the search puts on the wrong side of the edge (created
    // moments around the cutoff) is met at the next step, or at the next round.
    const bound = (before: number) => lastIdBefore(db, CREATED, before);
    const successBound = await bound(policy.successBefore);
    const failureBound = await bound(policy.failureBefore);
    let removed = 0;
    let examined = 0;
    // Each step starts at the next destination: one whose kept deliveries fill a step's budget (a replay of a
    // million old ones) does not hold back the others' purge until it is walked through.
    const start = deliveriesTurn++ % Math.max(1, withDeliveries.length);
    for (const destinationId of [...withDeliveries.slice(start), ...withDeliveries.slice(0, start)]) {
      if (examined >= limit) break;
      if (!existing.has(destinationId)) {
        // Deleted: every delivery goes, whatever its state.
        const ids = idsOf(
          await db
            .selectFrom('deliveries')
            .select('id')
            .where('destination_id', '=', destinationId)
            .limit(limit - examined)
            .execute(),
        );
        examined += ids.length;
        removed += await deleteIds('deliveries', ids);
        continue;
      }
      for (const [state, before, bound] of [
        ['delivered', policy.successBefore, successBound],
        ['discarded', policy.failureBefore, failureBound],
        ['dead', policy.failureBefore, failureBound],
      ] as const) {
        if (examined >= limit) break;
        const key = `${destinationId}\u0000${state}`;
        const from = deliveriesFrom.get(key) ?? 0;
        if (from >= bound) continue;
        const rows = await db
          .selectFrom('deliveries')
          .select(['id', 'updated_at'])
          .where('destination_id', '=', destinationId)
          .where('state', '=', state)
          .where('id', '>', from)
          .where('id', '<=', bound)
          .orderBy('id')
          .limit(limit - examined)
          .execute();
        if (rows.length === 0) continue;
        examined += rows.length;
        deliveriesFrom.set(key, Number(rows.at(-1)!.id));
        const ids = idsOf(rows.filter((r) => Number(r.updated_at) < before));
        if (ids.length === 0) continue;
        // The conditions again: a replay may have re-queued one of them meanwhile.
        const result = await db
          .deleteFrom('deliveries')
          .where('id', 'in', ids)
          .where('state', '=', state)
          .where('updated_at', '<', before)
          .executeTakeFirst();
        removed += Number(result.numDeletedRows);
      }
    }
    return { removed, more: examined >= limit };
  };

  const events = async (policy: RetentionCutoffs, limit: number): Promise<Step> => {
    const now = Date.now();
    if (eventsFrom === 0) roundStarted = now;
    // Ids grow with arrival: the newest event past its time bounds the scan, which never walks recent ones.
    const newestOld = await db
      .selectFrom('events')
      .select('id')
      .where('received_at', '<', policy.eventsBefore)
      .orderBy('received_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (newestOld === undefined) return { removed: 0, more: false };
    const candidates = idsOf(
      await db
        .selectFrom('events')
        .select('id')
        .where('id', '>', eventsFrom)
        .where('id', '<=', Number(newestOld.id))
        .where('received_at', '<', policy.eventsBefore)
        .orderBy('id')
        .limit(limit)
        .execute(),
    );
    if (candidates.length < limit && now - roundStarted >= RESCAN_MS) eventsFrom = 0;
    else if (candidates.length > 0) eventsFrom = candidates.at(-1)!;
    if (candidates.length === 0) return { removed: 0, more: false };
    // An event is kept while any delivery of it is still to be settled, or kept for its failure's sake —
    // checked in the delete itself, so that a delivery a replay has just created keeps its event.
    const result = await db
      .deleteFrom('events')
      .where('id', 'in', candidates)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('deliveries')
              .select('deliveries.id')
              .whereRef('deliveries.event_id', '=', 'events.id'),
          ),
        ),
      )
      .executeTakeFirst();
    // A whole page looked at is more to do, even when every event in it was still referred to.
    return { removed: Number(result.numDeletedRows), more: candidates.length === limit };
  };

  const counts = createCountRollup(db);
  return async (policy, limit) =>
    both(
      both(await attempts(policy, limit), await deliveries(policy, limit)),
      both(await events(policy, limit), await counts(Date.now(), limit)),
    );
}

/** The distinct destinations in deliveries, by one index seek each (a loose index scan), not a full scan. */
async function destinationsWithDeliveries(db: Kysely<Database>): Promise<string[]> {
  const result = await sql<{ id: string | null }>`
    WITH RECURSIVE seen(id) AS (
      SELECT min(destination_id) FROM deliveries
      UNION ALL
      SELECT (SELECT min(destination_id) FROM deliveries WHERE destination_id > seen.id) FROM seen WHERE seen.id IS NOT NULL
    )
    SELECT id FROM seen WHERE id IS NOT NULL`.execute(db);
  return result.rows.map((r) => r.id!);
}
