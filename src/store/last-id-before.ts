import { type Kysely, sql } from 'kysely';
import type { Database } from './schema.ts';

/** More than ids and their times are ever out of order: how far a caller that must find every row widens. */
export const ORDER_MARGIN_MS = 5 * 60_000;

/** A table whose ids grow with a time column, and that column. */
export type TimedIds =
  { table: 'deliveries'; column: 'created_at' } | { table: 'events'; column: 'received_at' };

/**
 * The id of the newest row whose time is before `before`, or 0, found by a binary search on the primary key:
 * ids grow with that time, so a few dozen point reads do what an index on the time column would. The order
 * is near, not strict — a clock stepping back, concurrent requests committing out of arrival order, or
 * Postgres's several writers blur the edge by moments — so a caller that must find every row in a time range
 * widens it by ORDER_MARGIN_MS and filters by the exact time as well.
 */
export async function lastIdBefore(db: Kysely<Database>, timed: TimedIds, before: number): Promise<number> {
  const at = async (id: number, direction: 'asc' | 'desc') => {
    const row = await db
      .selectFrom(timed.table)
      .select(['id', sql<number>`${sql.ref(timed.column)}`.as('time')])
      .where('id', direction === 'asc' ? '>=' : '<=', id)
      .orderBy('id', direction)
      .limit(1)
      .executeTakeFirst();
    return row === undefined ? undefined : { id: Number(row.id), time: Number(row.time) };
  };
  const first = await at(0, 'asc');
  if (first === undefined || first.time >= before) return 0;
  const last = (await at(Number.MAX_SAFE_INTEGER, 'desc'))!;
  if (last.time < before) return last.id;
  // lo is a row before the time; from hi on, none is.
  let lo = first.id;
  let hi = last.id;
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const row = await at(mid, 'asc');
    if (row !== undefined && row.time < before) lo = row.id;
    else hi = mid;
  }
  return lo;
}
