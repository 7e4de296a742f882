// Event Delivery, replay and retention must cost the same at a million deliveries as at ten: every query they
// make is an index range or point read, never a scan of a table or a sort of everything that matches. SQLite
// keeps no statistics here (no ANALYZE), so its plans depend on the indexes and the query shapes alone —
// checked with EXPLAIN QUERY PLAN on the queries the real code sends. (Postgres plans by statistics.)
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { type CompiledQuery, Kysely, SqliteDialect } from 'kysely';
import { createDeliveryLogRepository } from '../src/store/delivery-log-repository.ts';
import type { Database } from '../src/store/schema.ts';
import { SQLITE_FILE_NAME, openSqliteStore } from '../src/store/sqlite/open-sqlite-store.ts';
import { createTestDestination } from './helpers/test-stores.ts';

const HOUR = 3_600_000;

/** A store with one destination and deliveries in every settled state, closed; returns its folder and ids. */
async function seededStore(dir: string) {
  const store = await openSqliteStore(dir);
  try {
    const { workspaceId } = await store.access.bootstrap({});
    const source = await store.sources.create(workspaceId, 'Web');
    const destinationId = await createTestDestination(store, workspaceId, [source.id]);
    const received = Date.now() - 48 * HOUR;
    await store.events.insertMany(
      Array.from({ length: 30 }, (_, i) => ({
        sourceId: source.id,
        messageId: `m${i}`,
        type: 'track',
        userId: 'u1',
        anonymousId: null,
        receivedAt: received + i,
        body: '{}',
        deliveries: [{ destinationId, payload: null }],
      })),
    );
    const now = Date.now();
    const claimed = await store.deliveries.claim(destinationId, 30, now, now + 60_000);
    const states = ['delivered', 'discarded', 'dead'] as const;
    await store.deliveries.settle(
      claimed.slice(0, 24).map((c, i) => ({
        id: c.id,
        leaseUntil: c.leaseUntil,
        eventId: c.eventId,
        destinationId: c.destinationId,
        state: states[i % 3]!,
        runAt: now,
        attempts: 1,
        category: i % 3 === 0 ? null : 'retry',
        error: null,
        attempt: undefined,
        count: undefined,
      })),
    );
    return { destinationId, sourceId: source.id, received };
  } finally {
    await store.close();
  }
}

describe('the Event Delivery, replay and retention queries on SQLite', () => {
  let dir: string;
  let sqlite: BetterSqlite3.Database;
  let db: Kysely<Database>;
  const sent: CompiledQuery[] = [];

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'switchyard-plans-'));
    const { destinationId, sourceId, received } = await seededStore(dir);
    sqlite = new BetterSqlite3(path.join(dir, SQLITE_FILE_NAME));
    db = new Kysely<Database>({
      dialect: new SqliteDialect({ database: sqlite }),
      log: (event) => void sent.push(event.query),
    });
    const log = createDeliveryLogRepository(db);
    const now = Date.now();
    const filters = [
      {},
      { status: 'delivered' },
      { category: 'retry' },
      { since: received, until: now, eventType: 'track' },
      { status: 'dead', category: 'retry', since: received },
    ];
    for (const filter of filters) {
      const page = await log.list(destinationId, filter, { limit: 5 });
      await log.list(destinationId, filter, { limit: 5, before: page.at(-1)?.id });
    }
    await log.get(destinationId, 1);
    await log.replay(destinationId, [sourceId], { status: 'dead' });
    await log.replay(destinationId, [sourceId], { messageIds: ['m1', 'm2'], status: 'discarded' });
    await log.replay('dst_new', [sourceId], { since: received, until: now, eventType: 'track' });
    await log.purge({ successBefore: now, failureBefore: now - HOUR, eventsBefore: now - 72 * HOUR }, 1_000);
  });

  after(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const plans = () =>
    sent
      .filter((query) => /\b(deliveries|events)\b/.test(query.sql))
      .map((query) => ({
        sql: query.sql,
        plan: (
          sqlite.prepare(`EXPLAIN QUERY PLAN ${query.sql}`).all(...(query.parameters as unknown[])) as {
            detail: string;
          }[]
        ).map((row) => row.detail),
      }));

  it('reads deliveries and events only through an index, and sorts no more than a page', () => {
    const checked = plans();
    assert.ok(checked.length >= 25, `${checked.length} queries were checked`);
    for (const { sql, plan } of checked) {
      plan.forEach((step, i) => {
        assert.doesNotMatch(
          step,
          /^SCAN (d|e|x|deliveries|events)\b/,
          `a full scan in ${sql}\n${plan.join('\n')}`,
        );
        // The one sort allowed: of one state's part of a page, at most `limit` rows read by the step before.
        if (plan[i - 1] !== 'SCAN page') {
          assert.doesNotMatch(step, /TEMP B-TREE/, `a sort in ${sql}\n${plan.join('\n')}`);
        }
      });
    }
  });

  it('lists, replays and purges a destination by its (destination_id, state, id) index', () => {
    const byDestination = plans().filter(
      ({ sql }) => /"destination_id" = \?/.test(sql) && /"state" = \?/.test(sql),
    );
    assert.ok(byDestination.length >= 15, `${byDestination.length} queries by destination and state`);
    for (const { sql, plan } of byDestination) {
      assert.ok(
        plan.some((step) => step.includes('deliveries_destination_state_id (destination_id=? AND state=?')),
        `${sql}\n${plan.join('\n')}`,
      );
    }
  });
});
