// The store suite: the same tests on SQLite and Postgres, through the Store port only.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClaimedDelivery } from '../src/store/delivery-queue.ts';
import { hashToken } from '../src/store/hash-token.ts';
import { openStore } from '../src/store/open-store.ts';
import type { EventRow } from '../src/store/store.ts';
import {
  DIALECTS,
  createTestDestination,
  createTestTarget,
  openTestStore,
  skipReason,
} from './helpers/test-stores.ts';

function row(sourceId: string, messageId: string, extra: Partial<EventRow> = {}): EventRow {
  const body = JSON.stringify({ type: 'track', messageId, userId: 'u1', event: 'Clicked' });
  return {
    sourceId,
    messageId,
    type: 'track',
    userId: 'u1',
    anonymousId: null,
    receivedAt: Date.now(),
    body,
    ...extra,
  };
}

for (const dialect of DIALECTS) {
  describe(`store on ${dialect}`, { skip: skipReason(dialect) }, () => {
    it('bootstraps the default workspace and owner once, with the given token', async () => {
      const { store, dispose } = await openTestStore(dialect);
      try {
        const first = await store.access.bootstrap({
          adminToken: 'test-admin-token-123456',
          adminEmail: 'o@x.io',
        });
        assert.equal(first.created, true);
        assert.equal(first.ownerEmail, 'o@x.io');
        assert.equal(first.generatedToken, undefined, 'a given token is not echoed');
        const again = await store.access.bootstrap({ adminToken: 'another-token-123456789' });
        assert.deepEqual(again, { created: false, workspaceId: first.workspaceId, ownerEmail: 'o@x.io' });

        const principal = await store.access.authenticate('test-admin-token-123456');
        assert.equal(principal?.workspaceId, first.workspaceId);
        assert.deepEqual(principal?.roles, [{ role: 'workspace_owner' }]);
        assert.equal(await store.access.authenticate('another-token-123456789'), undefined);
        assert.equal(await store.access.authenticate(''), undefined);
      } finally {
        await dispose();
      }
    });

    it('generates a random owner token when none is given, and stores only its hash', async () => {
      const { store, target, dispose } = await openTestStore(dialect);
      try {
        const boot = await store.access.bootstrap({});
        assert.match(boot.generatedToken ?? '', /^sy_[0-9A-Za-z]{40}$/);
        assert.equal(boot.ownerEmail, 'admin@localhost');
        assert.ok(await store.access.authenticate(boot.generatedToken!));
        // The plaintext token must not be in the database file.
        if (dialect === 'sqlite') {
          const { readFileSync, readdirSync } = await import('node:fs');
          const files = readdirSync(target.dataDir).map((f) =>
            readFileSync(`${target.dataDir}/${f}`).toString('latin1'),
          );
          assert.ok(
            !files.some((content) => content.includes(boot.generatedToken!)),
            'token stored in plaintext',
          );
          assert.ok(
            files.some((content) => content.includes(hashToken(boot.generatedToken!))),
            'hash stored',
          );
        }
      } finally {
        await dispose();
      }
    });

    it('creates, finds and pages sources per workspace', async () => {
      const { store, dispose } = await openTestStore(dialect);
      try {
        const { workspaceId } = await store.access.bootstrap({});
        const created = [];
        for (let i = 0; i < 5; i++) created.push(await store.sources.create(workspaceId, `Source ${i}`));
        assert.equal(new Set(created.map((s) => s.writeKey)).size, 5);
        assert.match(created[0]!.id, /^src_/);

        assert.deepEqual(await store.sources.get(workspaceId, created[2]!.id), created[2]);
        assert.equal(
          await store.sources.get('ws_other', created[2]!.id),
          undefined,
          'other workspace sees nothing',
        );
        assert.deepEqual(await store.sources.findByWriteKey(created[3]!.writeKey), created[3]);
        assert.equal(await store.sources.findByWriteKey('nope'), undefined);

        const seen = [];
        let cursor: string | undefined;
        for (let pages = 0; pages < 10; pages++) {
          const page = await store.sources.list(workspaceId, { limit: 2, cursor });
          seen.push(...page.data);
          if (page.next === null) break;
          cursor = page.next;
        }
        assert.deepEqual(seen.map((s) => s.id).sort(), created.map((s) => s.id).sort());
        assert.deepEqual((await store.sources.list('ws_other', { limit: 10 })).data, []);
      } finally {
        await dispose();
      }
    });

    it('stores events once per (source, messageId) and returns the newest first', async () => {
      const { store, dispose } = await openTestStore(dialect);
      try {
        const { workspaceId } = await store.access.bootstrap({});
        const a = await store.sources.create(workspaceId, 'A');
        const b = await store.sources.create(workspaceId, 'B');
        assert.equal(await store.events.insertMany([row(a.id, 'm1'), row(a.id, 'm2'), row(a.id, 'm1')]), 2);
        assert.equal(
          await store.events.insertMany([row(a.id, 'm2'), row(a.id, 'm3')]),
          1,
          'a resend is skipped',
        );
        assert.equal(
          await store.events.insertMany([row(b.id, 'm1')]),
          1,
          'the same messageId on another source',
        );
        assert.equal(await store.events.insertMany([]), 0);
        assert.equal(await store.events.count(a.id), 3);
        assert.equal(await store.events.count(b.id), 1);

        const recent = (await store.events.recent(a.id, 2)) as { messageId: string }[];
        assert.deepEqual(
          recent.map((e) => e.messageId),
          ['m3', 'm2'],
        );
      } finally {
        await dispose();
      }
    });

    it('keeps every committed event across a restart, and migrates only once', async () => {
      const target = await createTestTarget(dialect);
      try {
        let store = await openStore(target);
        const { workspaceId } = await store.access.bootstrap({ adminToken: 'restart-token-1234567' });
        const source = await store.sources.create(workspaceId, 'Web');
        const rows = Array.from({ length: 1000 }, (_, i) => row(source.id, `m${i}`));
        assert.equal(await store.events.insertMany(rows), 1000);
        await store.close();

        store = await openStore(target);
        try {
          assert.equal(await store.events.count(source.id), 1000);
          assert.deepEqual(await store.sources.findByWriteKey(source.writeKey), source);
          assert.ok(await store.access.authenticate('restart-token-1234567'));
          assert.equal((await store.access.bootstrap({})).created, false);
        } finally {
          await store.close();
        }
      } finally {
        await target.dispose();
      }
    });

    it('claims, settles and purges deliveries by the retention rules', async () => {
      const { store, dispose } = await openTestStore(dialect);
      try {
        const { workspaceId } = await store.access.bootstrap({});
        const source = await store.sources.create(workspaceId, 'Web');
        const destination = { id: await createTestDestination(store, workspaceId, [source.id]) };
        const withDelivery = (id: string, destinationId = destination.id) => ({
          ...row(source.id, id),
          deliveries: [{ destinationId, payload: null }],
        });
        // dst_gone stands for a destination deleted since: every delivery of it goes, pending ones too.
        await store.events.insertMany([
          withDelivery('ok'),
          withDelivery('failed'),
          row(source.id, 'plain'),
          withDelivery('orphan', 'dst_gone'),
        ]);
        const now = Date.now();
        const claimed = await store.deliveries.claim(destination.id, 10, now, now + 60_000);
        assert.equal(claimed.length, 2);
        assert.deepEqual(
          await store.deliveries.claim(destination.id, 10, now, now + 60_000),
          [],
          'leased rows are not claimed twice',
        );
        await store.deliveries.settle(
          claimed.map((c) => ({
            id: c.id,
            leaseUntil: c.leaseUntil,
            eventId: c.eventId,
            destinationId: c.destinationId,
            state:
              (JSON.parse(c.body) as { messageId: string }).messageId === 'ok' ? 'delivered' : 'discarded',
            runAt: now,
            attempts: 1,
            category: null,
            error: null,
            attempt: undefined,
            count: undefined,
          })),
        );
        // Successes and events are past their time; failures are not.
        const { removed } = await store.deliveryLog.purge(
          { successBefore: now + 1_000, failureBefore: 0, eventsBefore: now + 1_000 },
          1_000,
        );
        assert.equal(
          removed,
          5,
          'the delivered delivery and its event, the event nobody got, and the deleted destination’s delivery and event',
        );
        assert.equal(await store.events.count(source.id), 1, 'the failed delivery keeps its event');
        assert.deepEqual(await store.deliveries.dueDestinations(now + 1_000), []);
      } finally {
        await dispose();
      }
    });

    it('applies a settlement once: written again, it changes and counts nothing', async () => {
      const { store, dispose } = await openTestStore(dialect);
      try {
        const { workspaceId } = await store.access.bootstrap({});
        const source = await store.sources.create(workspaceId, 'Web');
        await store.events.insertMany([
          { ...row(source.id, 'twice'), deliveries: [{ destinationId: 'dst_t', payload: null }] },
        ]);
        const now = Date.now();
        const [claimed] = await store.deliveries.claim('dst_t', 1, now, now + 60_000);
        const settlement = {
          id: claimed!.id,
          leaseUntil: claimed!.leaseUntil,
          eventId: claimed!.eventId,
          destinationId: 'dst_t',
          state: 'delivered' as const,
          runAt: now,
          attempts: 1,
          category: null,
          error: null,
          attempt: {
            number: 1,
            startedAt: now,
            durationMs: 5,
            outcome: 'delivered',
            category: null,
            error: null,
            logs: '[]',
            requests: '[]',
          },
          count: { outcome: 'delivered', category: '', durationMs: 5 },
        };
        // As a retry after a lost answer would: the same group twice.
        await store.deliveries.settle([settlement]);
        await store.deliveries.settle([settlement]);
        const counts = await store.deliveryLog.counts('dst_t', now - 120_000);
        assert.deepEqual(
          counts.map((c) => [c.outcome, c.count, c.durationMs]),
          [['delivered', 1, 5]],
        );
        const kept = await store.deliveryLog.get('dst_t', claimed!.id);
        assert.equal(kept?.delivery.status, 'delivered');
        assert.equal(kept?.attempts.length, 1);
      } finally {
        await dispose();
      }
    });

    it('refuses a settlement whose lease lapsed, even once the delivery is claimed again', async () => {
      const { store, dispose } = await openTestStore(dialect);
      try {
        const { workspaceId } = await store.access.bootstrap({});
        const source = await store.sources.create(workspaceId, 'Web');
        await store.events.insertMany([
          { ...row(source.id, 'late'), deliveries: [{ destinationId: 'dst_l', payload: null }] },
        ]);
        const now = Date.now();
        const settle = (claimed: ClaimedDelivery, state: 'delivered' | 'discarded') =>
          store.deliveries.settle([
            {
              id: claimed.id,
              leaseUntil: claimed.leaseUntil,
              eventId: claimed.eventId,
              destinationId: 'dst_l',
              state,
              runAt: now,
              attempts: 1,
              category: null,
              error: null,
              attempt: undefined,
              count: { outcome: state, category: '', durationMs: 1 },
            },
          ]);
        // The first worker's lease runs out (it stalled); the janitor hands the delivery back, and a second
        // worker claims it under a lease of its own.
        const [first] = await store.deliveries.claim('dst_l', 1, now, now + 10);
        assert.deepEqual(await store.deliveries.reapExpiredLeases(now + 20, 3), {
          returned: 1,
          quarantined: 0,
        });
        const [second] = await store.deliveries.claim('dst_l', 1, now + 10_000, now + 70_000);
        assert.equal(second?.id, first!.id);
        // The stalled worker's answer arrives now: it must not settle the second worker's delivery.
        await settle(first!, 'discarded');
        assert.equal((await store.deliveryLog.get('dst_l', first!.id))?.delivery.status, 'leased');
        assert.deepEqual(await store.deliveryLog.counts('dst_l', now - 120_000), []);
        await settle(second, 'delivered');
        assert.equal((await store.deliveryLog.get('dst_l', first!.id))?.delivery.status, 'delivered');
        const counts = await store.deliveryLog.counts('dst_l', now - 120_000);
        assert.deepEqual(
          counts.map((c) => [c.outcome, c.count]),
          [['delivered', 1]],
        );
      } finally {
        await dispose();
      }
    });

    it('replays in steps that let the event loop turn, and counts every delivery once', async () => {
      const { store, dispose } = await openTestStore(dialect);
      try {
        const { workspaceId } = await store.access.bootstrap({});
        const source = await store.sources.create(workspaceId, 'Web');
        const received = Date.now() - 60_000;
        // 1,200 events (more than two steps of 500): 1,100 with a delivery to dst_r, 100 of another type.
        await store.events.insertMany(
          Array.from({ length: 1_200 }, (_, i) =>
            i < 1_100
              ? {
                  ...row(source.id, `r${i}`, { receivedAt: received }),
                  deliveries: [{ destinationId: 'dst_r', payload: null }],
                }
              : row(source.id, `p${i}`, { receivedAt: received, type: 'page' }),
          ),
        );
        const now = Date.now();
        const claimed = await store.deliveries.claim('dst_r', 2_000, now, now + 60_000);
        assert.equal(claimed.length, 1_100);
        await store.deliveries.settle(
          claimed.map((c, i) => ({
            id: c.id,
            leaseUntil: c.leaseUntil,
            eventId: c.eventId,
            destinationId: 'dst_r',
            state: i < 1_050 ? ('dead' as const) : ('delivered' as const),
            runAt: now,
            attempts: 10,
            category: null,
            error: null,
            attempt: undefined,
            count: undefined,
          })),
        );
        let turns = 0;
        let counting = true;
        const count = () => counting && (turns++, setImmediate(count));
        setImmediate(count);
        try {
          assert.deepEqual(await store.deliveryLog.replay('dst_r', [source.id], { status: 'dead' }), {
            requeued: 1_050,
            created: 0,
          });
        } finally {
          counting = false;
        }
        assert.ok(turns >= 3, `the event loop turned ${turns} times during the replay`);
        assert.deepEqual(
          (await store.deliveries.dueDestinations(now + 1_000)).map((d) => [d.destinationId, d.due]),
          [['dst_r', 1_050]],
        );
        // Again: they are pending now, so nothing is replayed twice.
        assert.deepEqual(await store.deliveryLog.replay('dst_r', [source.id], { status: 'dead' }), {
          requeued: 0,
          created: 0,
        });
        // A newly connected destination gets the window's events of one type, in steps, once.
        const window = { since: received - 1, until: received + 1, eventType: 'track' };
        assert.deepEqual(await store.deliveryLog.replay('dst_new', [source.id], window), {
          requeued: 0,
          created: 1_100,
        });
        assert.deepEqual(await store.deliveryLog.replay('dst_new', [source.id], window), {
          requeued: 0,
          created: 0,
        });
      } finally {
        await dispose();
      }
    });

    it('returns expired leases and quarantines a delivery that keeps killing its worker', async () => {
      const { store, dispose } = await openTestStore(dialect);
      try {
        const { workspaceId } = await store.access.bootstrap({});
        const source = await store.sources.create(workspaceId, 'Web');
        await store.events.insertMany([
          { ...row(source.id, 'crashy'), deliveries: [{ destinationId: 'dst_y', payload: null }] },
        ]);
        let now = Date.now();
        for (let crash = 1; crash <= 3; crash++) {
          now += 100_000; // past the back-off the janitor added
          const claimed = await store.deliveries.claim('dst_y', 1, now, now + 10);
          assert.equal(claimed.length, 1, `claim ${crash}`);
          now += 1_000_000; // the worker died; the lease ran out long ago
          const reaped = await store.deliveries.reapExpiredLeases(now, 3);
          assert.deepEqual(
            reaped,
            crash < 3 ? { returned: 1, quarantined: 0 } : { returned: 0, quarantined: 1 },
          );
        }
        assert.deepEqual(
          await store.deliveries.dueDestinations(now + 1_000_000),
          [],
          'quarantined: nothing due',
        );
      } finally {
        await dispose();
      }
    });

    it('commits concurrent groups without losing or doubling any', async () => {
      const { store, dispose } = await openTestStore(dialect);
      try {
        const { workspaceId } = await store.access.bootstrap({});
        const source = await store.sources.create(workspaceId, 'Web');
        const groups = Array.from({ length: 20 }, (_, g) =>
          Array.from({ length: 50 }, (_, i) => row(source.id, `g${g % 10}-${i}`)),
        );
        const inserted = await Promise.all(groups.map((rows) => store.events.insertMany(rows)));
        assert.equal(
          inserted.reduce((a, b) => a + b, 0),
          500,
        );
        assert.equal(await store.events.count(source.id), 500);
      } finally {
        await dispose();
      }
    });
  });
}
