import { type Kysely, sql } from 'kysely';
import { type Step, both } from './purge-step.ts';
import type { Database } from './schema.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * As counters age they are merged into coarser rows, which keep every sum (counts and execution time) but
 * not the minute: a row whose `minute` is an hour's (or a UTC day's) first minute then stands for the whole
 * hour (day). Each stays fine enough for what reads it: the 1 h chart reads minutes, the 24 h chart hours,
 * the 7 d chart six-hour buckets, usage and the monthly limit whole UTC days.
 */
export const COUNT_LEVELS = [
  { olderThanMs: 2 * HOUR, bucketMs: HOUR },
  { olderThanMs: 8 * DAY, bucketMs: DAY },
] as const;

/** How far back counters are kept: the usage route answers up to 400 days at a time. */
export const COUNTS_KEPT_MS = 400 * DAY;

interface CountKey {
  destination_id: string;
  minute: number | string;
  outcome: string;
  category: string;
}

/**
 * One step of the counter rollup: merges up to `limit` rows into their hour or day and removes up to `limit`
 * rows past COUNTS_KEPT_MS, each found by the minute index. Without it the table grows by a row per
 * destination, outcome and minute for ever (half a million rows a year for one busy destination).
 */
export function createCountRollup(db: Kysely<Database>): (now: number, limit: number) => Promise<Step> {
  // Per level, the minute below which every row is merged already: counters are only ever written for the
  // current minute, so a later step looks only at what has aged past the cutoff since (after a restart, the
  // first step walks the whole index once).
  const mergedBelow = COUNT_LEVELS.map(() => 0);
  const merge = async (level: number, cutoff: number, limit: number): Promise<Step> => {
    const step = await db.transaction().execute(async (trx) => {
      const { bucketMs } = COUNT_LEVELS[level]!;
      const keys = await trx
        .selectFrom('delivery_counts')
        .select(['destination_id', 'minute', 'outcome', 'category'])
        .where('minute', '>=', mergedBelow[level]!)
        .where('minute', '<', cutoff)
        .where(sql<boolean>`minute % ${sql.lit(bucketMs)} <> 0`)
        .orderBy('minute')
        .limit(limit)
        .execute();
      if (keys.length === 0) return { removed: 0, more: false };
      // Only what this step itself deleted is added to its hour or day: on Postgres every worker process
      // runs the rollup, and two that read the same rows would otherwise both add them.
      const rows = await deleteKeys(trx, keys);
      const sums = new Map<
        string,
        Omit<CountKey, 'minute'> & { minute: number; count: number; duration: number }
      >();
      for (const row of rows) {
        const minute = Math.floor(Number(row.minute) / bucketMs) * bucketMs;
        const key = `${row.destination_id}\u0000${minute}\u0000${row.outcome}\u0000${row.category}`;
        const sum = sums.get(key) ?? {
          destination_id: row.destination_id,
          minute,
          outcome: row.outcome,
          category: row.category,
          count: 0,
          duration: 0,
        };
        sum.count += Number(row.count);
        sum.duration += Number(row.duration_ms);
        sums.set(key, sum);
      }
      // In key order, as settlements upsert counters: no deadlock with a worker on Postgres.
      for (const [, sum] of [...sums].sort(([a], [b]) => (a < b ? -1 : 1))) {
        await trx
          .insertInto('delivery_counts')
          .values({
            destination_id: sum.destination_id,
            minute: sum.minute,
            outcome: sum.outcome,
            category: sum.category,
            count: sum.count,
            duration_ms: sum.duration,
          })
          .onConflict((oc) =>
            oc.columns(['destination_id', 'minute', 'outcome', 'category']).doUpdateSet({
              count: sql`delivery_counts.count + excluded.count`,
              duration_ms: sql`delivery_counts.duration_ms + excluded.duration_ms`,
            }),
          )
          .execute();
      }
      return { removed: rows.length, more: keys.length === limit };
    });
    // Only once the step is committed: a failed one is tried again from where it was.
    if (!step.more) mergedBelow[level] = cutoff;
    return step;
  };

  const expire = async (cutoff: number, limit: number): Promise<Step> =>
    db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('delivery_counts')
        .select(['destination_id', 'minute', 'outcome', 'category'])
        .where('minute', '<', cutoff)
        .limit(limit)
        .execute();
      await deleteKeys(trx, rows);
      return { removed: rows.length, more: rows.length === limit };
    });

  return async (now, limit) => {
    let step: Step = { removed: 0, more: false };
    for (const [i, level] of COUNT_LEVELS.entries())
      step = both(step, await merge(i, now - level.olderThanMs, limit));
    return both(step, await expire(now - COUNTS_KEPT_MS, limit));
  };
}

/**
 * Deletes rows by their whole key, 200 keys per statement, and returns those it deleted (row values and
 * RETURNING: SQLite 3.35+, Postgres; the cast because Postgres reads a parameter in VALUES as text).
 */
async function deleteKeys(trx: Kysely<Database>, keys: readonly CountKey[]): Promise<CountRow[]> {
  const deleted: CountRow[] = [];
  for (let i = 0; i < keys.length; i += 200) {
    const tuples = keys
      .slice(i, i + 200)
      .map(
        (k) => sql`(${k.destination_id}, CAST(${Number(k.minute)} AS BIGINT), ${k.outcome}, ${k.category})`,
      );
    const result = await sql<CountRow>`DELETE FROM delivery_counts
      WHERE (destination_id, minute, outcome, category) IN (VALUES ${sql.join(tuples)})
      RETURNING destination_id, minute, outcome, category, count, duration_ms`.execute(trx);
    deleted.push(...result.rows);
  }
  return deleted;
}

interface CountRow extends CountKey {
  count: number | string;
  duration_ms: number | string;
}
