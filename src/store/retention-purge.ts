import { type Kysely, sql } from 'kysely';
import { createCountRollup } from './count-rollup.ts';
import { type Step, both } from './purge-step.ts';
import type { RetentionCutoffs } from './delivery-log-repository.ts';
import type { Database } from './schema.ts';

/** The attempt outcomes that are failures (settle-outcome.ts), kept as long as failures are. */
const FAILED_OUTCOMES = ['retry', 'throttled', 'discarded', 'dead'];

/** How often the events scan starts again from the oldest event, to find those a purged failure freed. */
const EVENTS_RESCAN_MS = 60 * 60_000;

/**
 * Retention, in steps of at most `limit` rows of each kind, each found through an index so that a step costs
 * the same however large the tables are:
 * - attempts by outcome and start time;
 * - deliveries per destination (its delivered ones after successBefore, its discarded and dead ones after
 *   failureBefore), and every delivery of a destination that was deleted;
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
    const withDeliveries = await destinationsWithDeliveries(db);
    // Read after: a destination created meanwhile, whose first deliveries the scan saw, is in it.
    const existing = new Set((await db.selectFrom('destinations').select('id').execute()).map((d) => d.id));
    let removed = 0;
    for (const destinationId of withDeliveries) {
      if (removed >= limit) break;
      const left = limit - removed;
      if (!existing.has(destinationId)) {
        // Deleted: every delivery goes, whatever its state.
        const ids = idsOf(
          await db
            .selectFrom('deliveries')
            .select('id')
            .where('destination_id', '=', destinationId)
            .limit(left)
            .execute(),
        );
        removed += await deleteIds('deliveries', ids);
        continue;
      }
      for (const [states, before] of [
        [['delivered'], policy.successBefore],
        [['discarded', 'dead'], policy.failureBefore],
      ] as const) {
        if (removed >= limit) break;
        const ids = idsOf(
          await db
            .selectFrom('deliveries')
            .select('id')
            .where('destination_id', '=', destinationId)
            .where('state', 'in', states)
            .where('updated_at', '<', before)
            .limit(limit - removed)
            .execute(),
        );
        if (ids.length === 0) continue;
        // The conditions again: a replay may have re-queued one of them meanwhile.
        const result = await db
          .deleteFrom('deliveries')
          .where('id', 'in', ids)
          .where('state', 'in', states)
          .where('updated_at', '<', before)
          .executeTakeFirst();
        removed += Number(result.numDeletedRows);
      }
    }
    return { removed, more: removed >= limit };
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
    if (candidates.length < limit && now - roundStarted >= EVENTS_RESCAN_MS) eventsFrom = 0;
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
    WITH RECURSIVE d(id) AS (
      SELECT min(destination_id) FROM deliveries
      UNION ALL
      SELECT (SELECT min(destination_id) FROM deliveries WHERE destination_id > d.id) FROM d WHERE d.id IS NOT NULL
    )
    SELECT id FROM d WHERE id IS NOT NULL`.execute(db);
  return result.rows.map((r) => r.id!);
}
