// The real @segment/analytics-node client, over real HTTP on 127.0.0.1, against Switchyard.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Analytics } from '@segment/analytics-node';
import BetterSqlite3 from 'better-sqlite3';
import { SQLITE_FILE_NAME } from '../src/store/sqlite/open-sqlite-store.ts';
import { type TestServer, createTestServer } from './helpers/test-server.ts';
import { DIALECTS, skipReason } from './helpers/test-stores.ts';

interface SentBatch {
  batch: { messageId: string; type: string }[];
}

/** A client pointed at the server that records every batch it sends and every status it gets back. */
function connect(server: TestServer, url: string) {
  const analytics = new Analytics({
    writeKey: server.source.writeKey,
    host: url,
    flushAt: 3,
    flushInterval: 50,
  });
  const sent = new Map<string, string>();
  const statuses: number[] = [];
  const errors: unknown[] = [];
  analytics.on('http_request', (request) => {
    for (const event of (JSON.parse(request.body) as SentBatch).batch) sent.set(event.messageId, event.type);
  });
  analytics.on('http_response', (response) => statuses.push(response.status));
  analytics.on('error', (error) => errors.push(error));
  return { analytics, sent, statuses, errors };
}

function sendOneOfEach(analytics: Analytics): void {
  analytics.identify({ userId: 'user-1', traits: { email: 'peter@initech.com', plan: 'premium' } });
  analytics.track({
    userId: 'user-1',
    event: 'Order Completed',
    properties: { revenue: 25.5, currency: 'USD' },
  });
  analytics.page({ userId: 'user-1', category: 'Docs', name: 'Pricing', properties: { path: '/pricing' } });
  analytics.screen({ userId: 'user-1', name: 'Home', properties: { variation: 'blue' } });
  analytics.group({ userId: 'user-1', groupId: 'initech', traits: { employees: 329 } });
  analytics.alias({ userId: 'user-1', previousId: 'anon-77' });
  analytics.track({
    anonymousId: 'anon-77',
    event: 'Signed Up',
    context: { campaign: { name: 'launch', source: 'ads', medium: 'cpc' } },
  });
}

async function storedEvents(server: TestServer): Promise<Map<string, Record<string, unknown>>> {
  const events = (await server.store.events.recent(server.source.id, 1000)) as Record<string, unknown>[];
  return new Map(events.map((e) => [e.messageId as string, e]));
}

for (const dialect of DIALECTS) {
  describe(`analytics-node → Switchyard (${dialect})`, { skip: skipReason(dialect) }, () => {
    it('stores every event type once, with the fields Segment would store', async () => {
      const server = await createTestServer(dialect);
      try {
        const { analytics, sent, statuses, errors } = connect(server, await server.listen());
        sendOneOfEach(analytics);
        await analytics.closeAndFlush({ timeout: 10_000 });

        assert.deepEqual(errors, []);
        assert.ok(statuses.length > 0 && statuses.every((s) => s === 200), `statuses ${statuses.join(',')}`);
        assert.equal(sent.size, 7);
        const stored = await storedEvents(server);
        assert.equal(stored.size, 7, 'each event stored exactly once');
        for (const [messageId, type] of sent) {
          const event = stored.get(messageId);
          assert.ok(event, `${type} ${messageId} stored`);
          assert.equal(event.type, type);
          assert.ok(typeof event.receivedAt === 'string' && typeof event.timestamp === 'string');
          assert.ok(typeof event.originalTimestamp === 'string' && typeof event.sentAt === 'string');
          // The client's clock is this machine's: the skew correction must land within the round trip.
          assert.ok(Math.abs(Date.parse(event.timestamp) - Date.parse(event.originalTimestamp)) < 5_000);
          assert.deepEqual((event.context as { library: unknown }).library, {
            name: '@segment/analytics-node',
            version: (event.context as { library: { version: string } }).library.version,
          });
          assert.equal((event.context as { ip?: string }).ip, '127.0.0.1');
          assert.equal(event.writeKey, undefined);
        }
        const byType = (type: string) => [...stored.values()].filter((e) => e.type === type);
        assert.deepEqual(byType('identify')[0]?.traits, { email: 'peter@initech.com', plan: 'premium' });
        assert.equal(byType('page')[0]?.name, 'Pricing');
        assert.equal(byType('page')[0]?.category, 'Docs');
        assert.equal(byType('group')[0]?.groupId, 'initech');
        assert.equal(byType('alias')[0]?.previousId, 'anon-77');
        assert.deepEqual(
          byType('track')
            .map((e) => e.event)
            .sort(),
          ['Order Completed', 'Signed Up'],
        );
      } finally {
        await server.close();
      }
    });
  });
}

describe('analytics-node retries a 503 and nothing is stored twice', () => {
  it('holds the SQLite write lock for one request, the client retries, every event lands once', async () => {
    const server = await createTestServer('sqlite');
    // Another connection holds the write lock: the server's commit times out and it answers 503.
    const blocker = new BetterSqlite3(path.join(server.config.dataDir, SQLITE_FILE_NAME));
    blocker.exec('BEGIN IMMEDIATE');
    server.app.addHook('onResponse', (_request, reply, done) => {
      if (reply.statusCode === 503 && blocker.inTransaction) blocker.exec('COMMIT');
      done();
    });
    try {
      const { analytics, sent, statuses, errors } = connect(server, await server.listen());
      sendOneOfEach(analytics);
      await analytics.closeAndFlush({ timeout: 20_000 });

      assert.deepEqual(errors, []);
      assert.equal(statuses[0], 503, 'the first request was refused');
      assert.equal(
        statuses.filter((s) => s === 200).length,
        3,
        'each of the three batches was accepted in the end',
      );
      const stored = await storedEvents(server);
      assert.equal(stored.size, 7);
      assert.deepEqual(new Set(stored.keys()), new Set(sent.keys()));
    } finally {
      if (blocker.inTransaction) blocker.exec('ROLLBACK');
      blocker.close();
      await server.close();
    }
  });
});
