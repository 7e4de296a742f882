// Event Delivery's listing, retention and replay through the Store port, on SQLite and Postgres: what the
// user sees and what is kept must not depend on which index a query walks (delivery-query-plans.test.ts).
import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import type { Settlement } from '../src/store/delivery-queue.ts';
import type { Store } from '../src/store/store.ts';
import { DIALECTS, createTestDestination, openTestStore, skipReason } from './helpers/test-stores.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Events from a source with one delivery each to `destinationId`. */
async function ingest(
  store: Store,
  sourceId: string,
  destinationId: string | undefined,
  count: number,
  receivedAt: number,
  prefix: string,
) {
  await store.events.insertMany(
    Array.from({ length: count }, (_, i) => ({
      sourceId,
      messageId: `${prefix}${i}`,
      type: 'track',
      userId: 'u1',
      anonymousId: null,
      receivedAt,
      body: JSON.stringify({ type: 'track', messageId: `${prefix}${i}` }),
      deliveries: destinationId === undefined ? [] : [{ destinationId, payload: null }],
    })),
  );
}

/** Claims every due delivery of the destination and settles each as `outcome(i)` says (undefined: leased). */
async function settleAll(
  store: Store,
  destinationId: string,
  outcome: (i: number) => Pick<Settlement, 'state' | 'category'> | undefined,
) {
  const now = Date.now();
  const claimed = await store.deliveries.claim(destinationId, 1_000, now, now + HOUR);
  const settlements: Settlement[] = [];
  claimed.forEach((c, i) => {
    const settled = outcome(i);
    if (settled === undefined) return;
    settlements.push({
      id: c.id,
      leaseUntil: c.leaseUntil,
      eventId: c.eventId,
      destinationId,
      runAt: settled.state === 'pending' ? now + HOUR : now,
      attempts: 1,
      error: null,
      attempt: undefined,
      count: undefined,
      ...settled,
    });
  });
  await store.deliveries.settle(settlements);
  return claimed.map((c) => c.id);
}

for (const dialect of DIALECTS) {
  describe(`Event Delivery on ${dialect}`, { skip: skipReason(dialect) }, () => {
    it('lists a destination’s deliveries newest first across every state, a page at a time', async () => {
      const { store, dispose } = await openTestStore(dialect);
      try {
        const { workspaceId } = await store.access.bootstrap({});
        const source = await store.sources.create(workspaceId, 'Web');
        // Another destination's deliveries interleave with the listed one's ids, and never show.
        for (let round = 0; round < 4; round++) {
          await ingest(store, source.id, 'dst_list', 10, Date.now(), `l${round}-`);
          await ingest(store, source.id, 'dst_other', 3, Date.now(), `o${round}-`);
        }
        const outcomes = [
          { state: 'delivered', category: null },
          { state: 'discarded', category: 'bad_request' },
          { state: 'dead', category: 'retry' },
          { state: 'pending', category: 'retry' },
          undefined, // still leased
        ] as const;
        const ids = await settleAll(store, 'dst_list', (i) => outcomes[i % 5]);
        assert.equal(ids.length, 40);
        const stateOf = new Map(ids.map((id, i) => [id, outcomes[i % 5]?.state ?? 'leased']));
        const newestFirst = (wanted: (id: number) => boolean) => ids.filter(wanted).sort((a, b) => b - a);

        const pages = async (filter: Parameters<Store['deliveryLog']['list']>[1], limit: number) => {
          const seen: number[] = [];
          let before: number | undefined;
          for (let page = 0; page < 50; page++) {
            const rows = await store.deliveryLog.list('dst_list', filter, { limit, before });
            seen.push(...rows.map((r) => r.id));
            if (rows.length < limit) return seen;
            before = rows.at(-1)!.id;
          }
          assert.fail('paging did not end');
        };
        assert.deepEqual(
          await pages({}, 7),
          newestFirst(() => true),
          'every delivery once, newest first',
        );
        assert.deepEqual(
          (await store.deliveryLog.list('dst_list', {}, { limit: 40 })).map((r) => [r.id, r.status]),
          newestFirst(() => true).map((id) => [id, stateOf.get(id)]),
          'each with its state',
        );
        for (const state of ['pending', 'leased', 'delivered', 'discarded', 'dead']) {
          assert.deepEqual(
            await pages({ status: state }, 3),
            newestFirst((id) => stateOf.get(id) === state),
            state,
          );
        }
        assert.deepEqual(
          await pages({ category: 'retry' }, 4),
          newestFirst((id) => ['dead', 'pending'].includes(stateOf.get(id)!)),
          'a category across the states that have it',
        );
        assert.deepEqual(
          await pages({ category: 'bad_request', since: Date.now() - HOUR }, 4),
          newestFirst((id) => stateOf.get(id) === 'discarded'),
        );
        assert.deepEqual(await pages({ since: Date.now() + HOUR }, 4), [], 'nothing received after now');
        assert.deepEqual(
          await pages({ status: 'delivered', category: 'retry' }, 4),
          [],
          'a delivered delivery has no category',
        );
        assert.deepEqual(
          await store.deliveryLog.replay('dst_list', [source.id], { status: 'delivered', category: 'retry' }),
          { requeued: 0, created: 0 },
        );
      } finally {
        await dispose();
      }
    });

    it('purges a delivery that settled after the cutoff once that settlement is past it too', async () => {
      const { store, dispose } = await openTestStore(dialect);
      try {
        const { workspaceId } = await store.access.bootstrap({});
        const source = await store.sources.create(workspaceId, 'Web');
        const destinationId = await createTestDestination(store, workspaceId, [source.id]);
        const start = Date.now();
        // Created 10 minutes ago and delivered now (late, after retries).
        await ingest(store, source.id, destinationId, 5, start - 10 * MINUTE, 'late');
        await settleAll(store, destinationId, () => ({ state: 'delivered', category: null }));
        const purge = (successBefore: number) =>
          store.deliveryLog.purge({ successBefore, failureBefore: 0, eventsBefore: 0 }, 1_000);
        const listed = async () => (await store.deliveryLog.list(destinationId, {}, { limit: 50 })).length;

        // Kept: created before the cutoff, settled after it.
        assert.equal((await purge(start - 5 * MINUTE)).removed, 0);
        assert.equal(await listed(), 5);
        // Within the hour the scan may have stepped past them; by the next round they go.
        mock.timers.enable({ apis: ['Date'], now: start + 2 * HOUR });
        try {
          assert.equal((await purge(Date.now() - HOUR)).removed, 5);
        } finally {
          mock.timers.reset();
        }
        assert.equal(await listed(), 0);
      } finally {
        await dispose();
      }
    });

    it('purges deliveries as each passes the cutoff, step by step, not only once a round', async () => {
      const { store, dispose } = await openTestStore(dialect);
      try {
        const { workspaceId } = await store.access.bootstrap({});
        const source = await store.sources.create(workspaceId, 'Web');
        const destinationId = await createTestDestination(store, workspaceId, [source.id]);
        const base = Date.now();
        const purge = (successBefore: number) =>
          store.deliveryLog.purge({ successBefore, failureBefore: 0, eventsBefore: 0 }, 1_000);
        // Two groups created 30 s apart, each delivered 6 s after it came in.
        const groups = [base - 30 * MINUTE, base - 29.5 * MINUTE];
        mock.timers.enable({ apis: ['Date'], now: base });
        try {
          for (const [i, createdAt] of groups.entries()) {
            await ingest(store, source.id, destinationId, 5, createdAt, `g${i}-`);
            mock.timers.setTime(createdAt + 6_000);
            await settleAll(store, destinationId, () => ({ state: 'delivered', category: null }));
          }
          mock.timers.setTime(base);
          // The cutoff falls between the groups: the first goes; the second, not yet old, stays…
          assert.equal((await purge(groups[0]! + 15_000)).removed, 5);
          // …and goes at the next step after its time, within the same round.
          assert.equal((await purge(groups[1]! + 15_000)).removed, 5);
        } finally {
          mock.timers.reset();
        }
      } finally {
        await dispose();
      }
    });

    it('purges each destination in turn, however many kept deliveries another has', async () => {
      const { store, dispose } = await openTestStore(dialect);
      try {
        const { workspaceId } = await store.access.bootstrap({});
        const source = await store.sources.create(workspaceId, 'Web');
        // The purge visits destinations in id order: `first` comes first.
        const [first, second] = [
          await createTestDestination(store, workspaceId, [source.id]),
          await createTestDestination(store, workspaceId, [source.id]),
        ].sort();
        const base = Date.now();
        mock.timers.enable({ apis: ['Date'], now: base - 3 * HOUR + MINUTE });
        try {
          // The second's 5 deliveries were delivered 3 hours ago: past a 1-hour cutoff.
          await ingest(store, source.id, second, 5, base - 3 * HOUR, 'old');
          await settleAll(store, second!, () => ({ state: 'delivered', category: null }));
          // The first's 30 were created as long ago but delivered just now (replayed): kept.
          mock.timers.setTime(base);
          await ingest(store, source.id, first, 30, base - 3 * HOUR, 'kept');
          await settleAll(store, first!, () => ({ state: 'delivered', category: null }));
          const step = async () =>
            (
              await store.deliveryLog.purge(
                { successBefore: base - HOUR, failureBefore: 0, eventsBefore: 0 },
                10,
              )
            ).removed;
          // Ten looked at per step: the first's kept ones fill a step, and the next step begins at the second.
          assert.equal((await step()) + (await step()), 5);
          assert.equal((await store.deliveryLog.list(second!, {}, { limit: 50 })).length, 0);
          assert.equal((await store.deliveryLog.list(first!, {}, { limit: 50 })).length, 30);
        } finally {
          mock.timers.reset();
        }
      } finally {
        await dispose();
      }
    });

    it('replays a time window for a new destination from its sources’ events in it, and no others', async () => {
      const { store, dispose } = await openTestStore(dialect);
      try {
        const { workspaceId } = await store.access.bootstrap({});
        const web = await store.sources.create(workspaceId, 'Web');
        const app = await store.sources.create(workspaceId, 'App');
        const other = await store.sources.create(workspaceId, 'Other');
        const now = Date.now();
        // In slices of ids: events before the window, in it from three sources interleaved, and after it.
        await ingest(store, web.id, undefined, 700, now - 3 * HOUR, 'before');
        for (let round = 0; round < 3; round++) {
          await ingest(store, web.id, undefined, 300, now - 90 * MINUTE + round, `web${round}-`);
          await ingest(store, other.id, undefined, 400, now - 90 * MINUTE + round, `other${round}-`);
          await ingest(store, app.id, undefined, 100, now - 90 * MINUTE + round, `app${round}-`);
        }
        await ingest(store, web.id, undefined, 200, now - 30 * MINUTE, 'after');
        const window = { since: now - 2 * HOUR, until: now - HOUR };
        // Just outside the window, among the ids it looks at (ids and times may be out of order by a little).
        await ingest(store, web.id, undefined, 10, window.since - 30_000, 'edge-before');
        await ingest(store, web.id, undefined, 10, window.until, 'edge-until');
        assert.deepEqual(await store.deliveryLog.replay('dst_new', [web.id, app.id], window), {
          requeued: 0,
          created: 1_200,
        });
        const created = await store.deliveryLog.list('dst_new', {}, { limit: 2_000 });
        assert.ok(
          created.every((d) => /^(web|app)\d-/.test(d.messageId)),
          'only the window’s events, of its sources',
        );
        assert.deepEqual(await store.deliveryLog.replay('dst_new', [web.id, app.id], window), {
          requeued: 0,
          created: 0,
        });
      } finally {
        await dispose();
      }
    });
  });
}
