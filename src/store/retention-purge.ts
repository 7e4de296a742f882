import { type Kysely, sql } from 'kysely';
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
 *   stepped over, and looked at again only hourly, rather than scanned at every step.
 * Returns how many rows went.
 */
export function createRetentionPurge(
  db: Kysely<Database>,
): (policy: RetentionCutoffs, limit: number) => Promise<number> {
  // Events at or below this id were looked at in this round: deleted, or still referred to.
  let eventsFrom = 0;
  let roundStarted = 0;

  const deleteIds = async (table: 'attempts' | 'deliveries' | 'events', ids: readonly number[]) =>
    ids.length === 0
      ? 0
      : Number((await db.deleteFrom(table).where('id', 'in', ids).executeTakeFirst()).numDeletedRows);
  const idsOf = (rows: readonly { id: number | string }[]) => rows.map((r) => Number(r.id));

  const attempts = async (policy: RetentionCutoffs, limit: number) => {
    const old = (outcomes: string[], before: number) =>
      db
        .selectFrom('attempts')
        .select('id')
        .where('outcome', 'in', outcomes)
        .where('started_at', '<', before)
        .limit(limit)
        .execute();
    return (
      (await deleteIds('attempts', idsOf(await old(['delivered'], policy.successBefore)))) +
      (await deleteIds('attempts', idsOf(await old(FAILED_OUTCOMES, policy.failureBefore))))
    );
  };

  const deliveries = async (policy: RetentionCutoffs, limit: number) => {
    const withDeliveries = await destinationsWithDeliveries(db);
    // Read after: a destination created meanwhile, whose first deliveries the scan saw, is in it.
    const existing = new Set((await db.selectFrom('destinations').select('id').execute()).map((d) => d.id));
    let removed = 0;
    for (const destinationId of withDeliveries) {
      if (removed >= limit) break;
      const left = limit - removed;
      const byState = (states: string[], before: number) =>
        db
          .selectFrom('deliveries')
          .select('id')
          .where('destination_id', '=', destinationId)
          .where('state', 'in', states)
          .where('updated_at', '<', before)
          .limit(left)
          .execute();
      const gone = !existing.has(destinationId);
      const rows = gone
        ? await db
            .selectFrom('deliveries')
            .select('id')
            .where('destination_id', '=', destinationId)
            .limit(left)
            .execute()
        : [
            ...(await byState(['delivered'], policy.successBefore)),
            ...(await byState(['discarded'], policy.failureBefore)),
            ...(await byState(['dead'], policy.failureBefore)),
          ].slice(0, left);
      removed += await deleteIds('deliveries', idsOf(rows));
    }
    return removed;
  };

  const events = async (policy: RetentionCutoffs, limit: number) => {
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
    if (newestOld === undefined) return 0;
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
    if (candidates.length === 0) return 0;
    // An event is kept while any delivery of it is still to be settled, or kept for its failure's sake.
    const referred = new Set(
      idsOf(
        await db
          .selectFrom('deliveries')
          .select('event_id as id')
          .where('event_id', 'in', candidates)
          .execute(),
      ),
    );
    return deleteIds(
      'events',
      candidates.filter((id) => !referred.has(id)),
    );
  };

  return async (policy, limit) =>
    (await attempts(policy, limit)) + (await deliveries(policy, limit)) + (await events(policy, limit));
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
