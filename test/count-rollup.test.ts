// The delivery counters' rollup on each store: minutes into hours after two hours, hours into days after
// eight days, nothing past 400 days — every sum the charts and usage read unchanged.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { createCountRollup } from '../src/store/count-rollup.ts';
import { openStore } from '../src/store/open-store.ts';
import type { Database as Schema } from '../src/store/schema.ts';
import { SQLITE_FILE_NAME } from '../src/store/sqlite/open-sqlite-store.ts';
import { DIALECTS, type TestStoreTarget, createTestTarget, skipReason } from './helpers/test-stores.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 10, 28, 12, 0, 30);

function connect(target: TestStoreTarget): Kysely<Schema> {
  return new Kysely<Schema>({
    dialect:
      target.databaseUrl === undefined
        ? new SqliteDialect({ database: new Database(path.join(target.dataDir, SQLITE_FILE_NAME)) })
        : new PostgresDialect({ pool: new pg.Pool({ connectionString: target.databaseUrl }) }),
  });
}

for (const dialect of DIALECTS) {
  describe(`delivery counter rollup on ${dialect}`, { skip: skipReason(dialect) }, () => {
    it('merges aged counters into hours and days in steps, keeping every sum, and drops them after 400 days', async () => {
      const target = await createTestTarget(dialect);
      try {
        await (await openStore(target)).close(); // the schema
        const db = connect(target);
        try {
          const hour = Math.floor((NOW - 5 * HOUR) / HOUR) * HOUR;
          const day = Math.floor((NOW - 10 * DAY) / DAY) * DAY;
          const row = (minute: number, count: number, outcome = 'delivered', category = '') => ({
            destination_id: 'dst_c',
            minute,
            outcome,
            category,
            count,
            duration_ms: count * 10,
          });
          await db
            .insertInto('delivery_counts')
            .values([
              // An hour five hours ago, minute by minute, with a discard category beside the successes.
              ...Array.from({ length: 60 }, (_, m) => row(hour + m * MINUTE, 1)),
              row(hour + 7 * MINUTE, 3, 'discarded', 'validation'),
              // The last half hour: stays by the minute (the 1 h chart and connection health read minutes).
              ...Array.from({ length: 5 }, (_, m) => row(NOW - 30 * MINUTE - (NOW % MINUTE) + m * MINUTE, 2)),
              // A day ten days ago, already in hours.
              ...Array.from({ length: 24 }, (_, h) => row(day + h * HOUR, 2)),
              // Past the usage route's reach.
              row(NOW - 401 * DAY - (NOW % MINUTE), 9),
            ])
            .execute();

          const rollup = createCountRollup(db);
          let steps = 0;
          for (let more = true; more; steps++) ({ more } = await rollup(NOW, 7));
          assert.ok(steps > 5, `limited steps: ${steps}`);

          const rows = await db
            .selectFrom('delivery_counts')
            .select(['minute', 'outcome', 'category', 'count', 'duration_ms'])
            .orderBy('minute')
            .orderBy('outcome')
            .execute();
          assert.deepEqual(
            rows.map((r) => [
              Number(r.minute),
              r.outcome,
              r.category,
              Number(r.count),
              Number(r.duration_ms),
            ]),
            [
              [day, 'delivered', '', 48, 480],
              [hour, 'delivered', '', 60, 600],
              [hour, 'discarded', 'validation', 3, 30],
              ...Array.from({ length: 5 }, (_, m) => [
                NOW - 30 * MINUTE - (NOW % MINUTE) + m * MINUTE,
                'delivered',
                '',
                2,
                20,
              ]),
            ],
          );
          // Run again: nothing left to merge or drop.
          assert.deepEqual(await createCountRollup(db)(NOW, 7), { removed: 0, more: false });
        } finally {
          await db.destroy();
        }
      } finally {
        await target.dispose();
      }
    });
  });
}
