// Invoker processes on SQLite read the events they run from the database file: the pipeline sends delivery
// ids, and the events' JSON never crosses the IPC channel (stored-events.ts).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import pino from 'pino';
import type { FunctionInstance } from '../src/runtime/function-runtime.ts';
import { InvokerPool } from '../src/runtime/invoker-pool.ts';
import { runtimeOptions } from '../src/runtime/runtime-options.ts';
import type { ClaimedDelivery } from '../src/store/delivery-queue.ts';
import type { EventRow, Store } from '../src/store/store.ts';
import { openTestStore } from './helpers/test-stores.ts';
import { waitFor } from './helpers/wait-for.ts';

const echo: FunctionInstance = {
  id: 'echo',
  versionId: 'v1',
  code: `async function onTrack(event) { console.log('track', event.messageId) }
    async function onIdentify(event) { console.log('identify', event.messageId) }
    async function onBatch(events) {
      console.log(events.map((e) => e.messageId).join(','))
      return events.map((e) => ({ status: e.messageId === 'b-bad' ? 400 : 200 }))
    }`,
  settings: {},
};

let store: Store;
let dispose: () => Promise<void>;
let pool: InvokerPool;
let sourceId: string;
let workspaceId: string;
before(async () => {
  ({ store, dispose } = await openTestStore('sqlite'));
  ({ workspaceId } = await store.access.bootstrap({}));
  sourceId = (await store.sources.create(workspaceId, 'Web')).id;
  pool = new InvokerPool(1, runtimeOptions({}), pino({ level: 'silent' }), store.sqliteFile);
});
after(async () => {
  await pool.close();
  await dispose();
});

// Each event its own user, so that a user deletion removes just that one.
const row = (messageId: string, type = 'track', payload: string | null = null): EventRow => ({
  sourceId,
  messageId,
  type,
  userId: `user-${messageId}`,
  anonymousId: null,
  receivedAt: Date.now(),
  body: JSON.stringify({ type, messageId, userId: `user-${messageId}`, event: 'Clicked' }),
  deliveries: [{ destinationId: 'dst_1', payload }],
});

/** Once the pool's one process is ready, and so has tried to open its store. */
async function ready(started: InvokerPool): Promise<InvokerPool> {
  await waitFor('the invoker process', async () => (started.readiness().ready === 1 ? true : undefined));
  return started;
}

/** Claims everything due, without bodies, as the worker does for an invoker that reads the store. */
async function claimAll(): Promise<ClaimedDelivery[]> {
  const now = Date.now();
  const claimed = await store.deliveries.claim('dst_1', 100, now, now + 60_000, false);
  assert.ok(
    claimed.every((c) => c.body === ''),
    'claimed without bodies',
  );
  return claimed;
}

/** A user deletion between the claim and the run: it removes the event with its deliveries. */
async function deleteEvent(messageId: string): Promise<void> {
  const { deletedEvents } = await store.regulations.deleteUsers(workspaceId, [`user-${messageId}`]);
  assert.equal(deletedEvents, 1);
}

/** Three stored events, the middle one deleted between the claim and the run; each run as its own delivery. */
async function runWithMiddleDeleted(prefix: string, keep?: readonly boolean[]) {
  await store.events.insertMany([row(`${prefix}-1`), row(`${prefix}-gone`), row(`${prefix}-3`)]);
  const claimed = await claimAll();
  await deleteEvent(`${prefix}-gone`);
  return pool.invokeEach(
    echo,
    claimed.map((c) => ({ delivery: c.id })),
    keep,
  );
}

/** Only the event gone, its delivery still there. */
function deleteEventOnly(messageId: string): void {
  assert.ok(store.sqliteFile, 'a SQLite store names its file');
  const db = new BetterSqlite3(store.sqliteFile);
  db.prepare('DELETE FROM events WHERE message_id = ?').run(messageId);
  db.close();
}

describe('invoker processes reading stored events', () => {
  it('runs each delivery with its stored event, or with the payload its filters wrote', async () => {
    assert.equal(pool.readsStore, true);
    const rewritten = JSON.stringify({ type: 'identify', messageId: 'rewritten', userId: 'u1' });
    await store.events.insertMany([row('s-1'), row('s-2', 'identify'), row('s-3', 'track', rewritten)]);
    const claimed = await claimAll();
    assert.equal(claimed.length, 3);
    const results = await pool.invokeEach(
      echo,
      claimed.map((c) => ({ delivery: c.id })),
    );
    assert.deepEqual(
      results.map((r) => [r?.status, r?.logs.map((l) => l.message)]),
      [
        ['delivered', ['track s-1']],
        ['delivered', ['identify s-2']],
        ['delivered', ['identify rewritten']],
      ],
    );
  });

  it('discards a delivery whose event was deleted since its claim, and runs the others of its run', async () => {
    const results = await runWithMiddleDeleted('d');
    assert.deepEqual(
      results.map((r) => [r?.status, r?.category, r?.error?.name]),
      [
        ['delivered', undefined, undefined],
        ['discarded', 'bad_request', 'EventDeleted'],
        ['delivered', undefined, undefined],
      ],
    );
    assert.deepEqual(results[2]?.logs, [{ level: 'log', message: 'track d-3' }], 'd-3 ran after the gap');
    // Marked as not run, so that the worker leaves it out of the function's pace and duration histogram.
    assert.deepEqual(
      results.map((r) => r?.notRun),
      [undefined, true, undefined],
    );
  });

  it('runs a batch of stored events, and answers a deleted one in its place', async () => {
    await store.events.insertMany([row('b-1'), row('b-gone'), row('b-bad'), row('b-4')]);
    const claimed = await claimAll();
    deleteEventOnly('b-gone');
    const result = await pool.invoke(echo, { deliveries: claimed.map((c) => c.id) });
    assert.deepEqual(result.logs, [{ level: 'log', message: 'b-1,b-bad,b-4' }], 'only stored events ran');
    assert.deepEqual(
      result.events?.map((e) => [e.status, e.category]),
      [
        ['delivered', undefined],
        ['discarded', 'bad_request'],
        ['discarded', 'bad_request'],
        ['delivered', undefined],
      ],
    );
    assert.equal(result.events?.[1]?.error?.name, 'EventDeleted');

    await deleteEvent('b-1');
    await deleteEvent('b-bad');
    await deleteEvent('b-4');
    const none = await pool.invoke(echo, { deliveries: claimed.map((c) => c.id) });
    assert.equal(none.status, 'discarded', 'a batch whose events are all gone does not run');
    assert.deepEqual(none.logs, []);
  });

  it('answers ids as a retryable fault in a runtime that does not read the store', async () => {
    const inProcess = new InvokerPool(1, runtimeOptions({}), pino({ level: 'silent' }));
    try {
      assert.equal(inProcess.readsStore, false);
      const result = await inProcess.invoke(echo, { delivery: 1 });
      assert.equal(result.status, 'retry', 'never discarded: the event was not looked at');
    } finally {
      await inProcess.close();
    }
  });

  it('keeps the sample flags with their events when a run has a deleted one', async () => {
    const results = await runWithMiddleDeleted('k', [false, true, true]);
    assert.deepEqual(results[0]?.logs, [], 'k-1 not kept: its logs are left out');
    assert.deepEqual(results[2]?.logs, [{ level: 'log', message: 'track k-3' }], 'k-3 kept');
  });

  it('answers a run whose events cannot be read as a retryable fault, and keeps running', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'switchyard-unreadable-')), 'x.db');
    const db = new BetterSqlite3(file);
    db.pragma('journal_mode = WAL');
    db.exec(`CREATE TABLE events (id INTEGER PRIMARY KEY, type TEXT, body TEXT);
      CREATE TABLE deliveries (id INTEGER PRIMARY KEY, event_id INTEGER, payload TEXT)`);
    const reader = await ready(new InvokerPool(1, runtimeOptions({}), pino({ level: 'silent' }), file));
    try {
      assert.equal(reader.readsStore, true);
      db.exec('DROP TABLE events'); // every read now fails
      const results = await reader.invokeEach(echo, [{ delivery: 1 }, { delivery: 2 }]);
      assert.deepEqual(
        results.map((r) => [r?.status, r?.error?.message.startsWith('could not read the stored events')]),
        [
          ['retry', true],
          ['retry', true],
        ],
      );
      const event = JSON.stringify({ type: 'track', messageId: 'after', userId: 'u' });
      assert.equal((await reader.invoke(echo, { eventJson: event })).status, 'delivered', 'still running');
      assert.deepEqual(reader.pids().length, 1);
    } finally {
      await reader.close();
      db.close();
      rmSync(path.dirname(file), { recursive: true, force: true });
    }
  });

  it('goes back to sending events when a process cannot open the store, rather than failing them', async () => {
    const errors: string[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => errors.push(line) });
    const blind = new InvokerPool(1, runtimeOptions({}), logger, '/nonexistent/switchyard.db');
    try {
      assert.equal(blind.readsStore, true, 'until the process says otherwise');
      await ready(blind);
      assert.equal(blind.readsStore, false);
      assert.match(errors.join(''), /could not open the store/);
      const event = JSON.stringify({ type: 'track', messageId: 'sent', userId: 'u' });
      assert.equal((await blind.invoke(echo, { eventJson: event })).status, 'delivered');
      assert.equal((await blind.invoke(echo, { delivery: 1 })).status, 'retry');
    } finally {
      await blind.close();
    }
  });
});
