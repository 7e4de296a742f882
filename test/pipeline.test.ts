// Ingest → fan-out → function → sink, with the real analytics-node client: delivery, Segment's retry path,
// discard categories on the deliveries route, filters, fairness, replay.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Analytics } from '@segment/analytics-node';
import { type Api, apiClient } from './helpers/api-client.ts';
import { type HttpSink, startHttpSink } from './helpers/http-sink.ts';
import { type TestServer, basicAuth, createTestServer, ingestBatch } from './helpers/test-server.ts';
import type { Dialect } from '../src/store/schema.ts';
import { DIALECTS, skipReason } from './helpers/test-stores.ts';
import { waitFor } from './helpers/wait-for.ts';

const FORWARD = `async function onTrack(event, settings) {
  let res;
  try {
    res = await fetch(settings.url + '/' + event.event, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) });
  } catch (err) {
    throw new RetryError(err.message);
  }
  if (res.status >= 500 || res.status === 429) throw new RetryError('HTTP Status ' + res.status);
}
async function onIdentify(event) {
  if (!event.traits || !event.traits.email) throw new InvalidEventPayload('email is required');
}
async function onGroup() { throw new Error('groups are broken') }`;

interface Delivery {
  id: number;
  status: string;
  category: string | null;
  attempts: number;
  eventType: string;
  messageId: string;
}

// On SQLite also with an invoker process, which reads the events it runs from the database file itself
// (stored-events.ts): the pipeline then sends it delivery ids, not events.
const VARIANTS = DIALECTS.flatMap((dialect): { dialect: Dialect; invokers: string; label: string }[] =>
  dialect === 'sqlite'
    ? [
        { dialect, invokers: '0', label: dialect },
        { dialect, invokers: '1', label: `${dialect}, functions in an invoker process` },
      ]
    : [{ dialect, invokers: '0', label: dialect }],
);

for (const { dialect, invokers, label } of VARIANTS) {
  describe(`pipeline on ${label}`, { skip: skipReason(dialect) }, () => {
    let server: TestServer;
    let api: Api;
    let sink: HttpSink;
    let url: string;
    let destinationId = '';
    before(async () => {
      server = await createTestServer(dialect, {
        SWITCHYARD_FETCH_ALLOW: '127.0.0.1',
        SWITCHYARD_WORKER_POLL_MS: '20',
        SWITCHYARD_INVOKERS: invokers,
      });
      api = apiClient(server.app);
      sink = await startHttpSink();
      url = await server.listen();
      server.startWorker();
      const fn = await api<{ id: string }>('POST', '/api/v1/functions', {
        displayName: 'Forward',
        code: FORWARD,
        settings: [{ label: 'URL', type: 'string', required: true }],
      });
      const destination = await api<{ id: string }>('POST', '/api/v1/destinations', {
        name: 'Sink',
        functionId: fn.body.id,
        sourceIds: [server.source.id],
        settings: { url: sink.url },
        retrySchedule: [100, 100, 100],
      });
      assert.equal(destination.status, 201, JSON.stringify(destination.body));
      destinationId = destination.body.id;
    });
    after(async () => {
      await server.close();
      await sink.close();
    });

    const deliveries = async (query = '') =>
      (
        await api<{ data: Delivery[] }>(
          'GET',
          `/api/v1/destinations/${destinationId}/deliveries?limit=200${query}`,
        )
      ).body.data;

    it('delivers every event the real client sends, once each', async () => {
      const analytics = new Analytics({
        writeKey: server.source.writeKey,
        host: url,
        flushAt: 5,
        flushInterval: 50,
      });
      const sent: string[] = [];
      analytics.on('http_request', (request) => {
        for (const event of (JSON.parse(request.body) as { batch: { messageId: string }[] }).batch)
          sent.push(event.messageId);
      });
      for (let i = 0; i < 20; i++)
        analytics.track({ userId: `user-${i}`, event: 'Purchased', properties: { i } });
      await analytics.closeAndFlush({ timeout: 10_000 });
      assert.equal(sent.length, 20);
      await waitFor('20 deliveries to the sink', async () =>
        sink.requests.filter((r) => r.url === '/Purchased').length >= 20 ? true : undefined,
      );
      const received = sink.requests
        .filter((r) => r.url === '/Purchased')
        .map((r) => (JSON.parse(r.body) as { messageId: string }).messageId);
      assert.deepEqual(new Set(received), new Set(sent));
      const settled = await waitFor('settled', async () => {
        const list = await deliveries('&status=delivered');
        return list.length >= 20 ? list : undefined;
      });
      assert.ok(settled.every((d) => d.attempts === 1));
    });

    it("retries a RetryError on Segment's path: 500, 500, then 200 delivers on the third attempt", async () => {
      let calls = 0;
      sink.handle((request, response) => {
        if (request.url === '/Flaky') calls++;
        response.writeHead(request.url === '/Flaky' && calls <= 2 ? 500 : 200);
        response.end();
      });
      const answer = await server.app.inject({
        method: 'POST',
        url: '/v1/track',
        headers: { authorization: basicAuth(server.source.writeKey), 'content-type': 'application/json' },
        payload: { userId: 'u', event: 'Flaky', messageId: `flaky-${dialect}` },
      });
      assert.equal(answer.statusCode, 200);
      const delivery = await waitFor('the flaky delivery', async () => {
        const found = (await deliveries()).find((d) => d.messageId === `flaky-${dialect}`);
        return found?.status === 'delivered' ? found : undefined;
      });
      assert.equal(delivery.attempts, 3);
      assert.equal(calls, 3);
      const detail = await api<{
        attempts: { outcome: string; error: string; requests: { status: number }[] }[];
        event: { event: string };
      }>('GET', `/api/v1/destinations/${destinationId}/deliveries/${delivery.id}`);
      assert.deepEqual(
        detail.body.attempts.slice(0, 2).map((a) => [a.outcome, a.error, a.requests[0]?.status]),
        [
          ['retry', 'RetryError: HTTP Status 500', 500],
          ['retry', 'RetryError: HTTP Status 500', 500],
        ],
      );
      assert.equal(detail.body.event.event, 'Flaky');
      sink.handle((_request, response) => response.end());
    });

    it('goes dead when the retries run out, and replay brings it back', async () => {
      sink.handle((request, response) => {
        response.writeHead(request.url === '/Down' ? 503 : 200);
        response.end();
      });
      await server.app.inject({
        method: 'POST',
        url: '/v1/track',
        headers: { authorization: basicAuth(server.source.writeKey), 'content-type': 'application/json' },
        payload: { userId: 'u', event: 'Down', messageId: `down-${dialect}` },
      });
      const dead = await waitFor('a dead delivery', async () => {
        const found = (await deliveries('&status=dead')).find((d) => d.messageId === `down-${dialect}`);
        return found;
      });
      assert.equal(dead.attempts, 4, 'the first attempt and 3 retries');
      sink.handle((_request, response) => response.end());
      const replay = await api('POST', `/api/v1/destinations/${destinationId}/replay`, { status: 'dead' });
      assert.equal(replay.status, 200);
      assert.equal(replay.body.requeued, 1);
      await waitFor('the replayed delivery', async () => {
        const found = (await deliveries()).find((d) => d.messageId === `down-${dialect}`);
        return found?.status === 'delivered' ? found : undefined;
      });
    });

    it('shows each discard category on the deliveries route', async () => {
      const send = (payload: object) =>
        server.app.inject({
          method: 'POST',
          url: '/v1/batch',
          headers: { authorization: basicAuth(server.source.writeKey), 'content-type': 'application/json' },
          payload,
        });
      await send({
        batch: [
          { type: 'identify', userId: 'u', traits: {}, messageId: `rejected-${dialect}` },
          { type: 'page', userId: 'u', name: 'Home', messageId: `unsupported-${dialect}` },
          { type: 'group', userId: 'u', groupId: 'g', messageId: `bad-${dialect}` },
        ],
      });
      const byId = await waitFor('three discards', async () => {
        const list = await deliveries('&status=discarded');
        const found = new Map(list.map((d) => [d.messageId, d.category]));
        return found.has(`rejected-${dialect}`) &&
          found.has(`unsupported-${dialect}`) &&
          found.has(`bad-${dialect}`)
          ? found
          : undefined;
      });
      assert.equal(byId.get(`rejected-${dialect}`), 'message_rejected');
      assert.equal(byId.get(`unsupported-${dialect}`), 'unsupported_event_type');
      assert.equal(byId.get(`bad-${dialect}`), 'bad_request');
      const onlyRejected = await deliveries('&category=message_rejected');
      assert.ok(onlyRejected.every((d) => d.category === 'message_rejected'));
      const stats = await api<{
        totals: { delivered: number; discarded: Record<string, number> };
        health: { status: string };
      }>('GET', `/api/v1/destinations/${destinationId}/stats?window=1h`);
      assert.ok(stats.body.totals.delivered >= 20);
      assert.ok((stats.body.totals.discarded.bad_request ?? 0) >= 1);
      assert.ok(['healthy', 'degraded', 'failing'].includes(stats.body.health.status));
    });

    it('does not invoke the function for filtered events or when integrations turn it off, and counts them', async () => {
      await api('PUT', `/api/v1/destinations/${destinationId}/filters`, [
        { if: 'event = "Ignored"', actions: [{ type: 'DROP' }] },
        { if: 'all', actions: [{ type: 'DROP_PROPERTIES', fields: { properties: ['secret'] } }] },
      ]);
      const before = sink.requests.length;
      await ingestBatch(server, [
        { type: 'track', userId: 'u', event: 'Ignored' },
        { type: 'track', userId: 'u', event: 'Private', integrations: { All: false } },
        { type: 'track', userId: 'u', event: 'Marker', properties: { secret: 's3', kept: 1 } },
      ]);
      await waitFor('the marker', async () =>
        sink.requests.slice(before).some((r) => r.url === '/Marker') ? true : undefined,
      );
      assert.deepEqual(
        sink.requests.slice(before).map((r) => r.url),
        ['/Marker'],
      );
      assert.deepEqual(
        (JSON.parse(sink.requests.at(-1)!.body) as { properties: unknown }).properties,
        { kept: 1 },
        'the function got the event as the filters rewrote it',
      );
      const stats = await api<{ totals: { filtered: number } }>(
        'GET',
        `/api/v1/destinations/${destinationId}/stats?window=1h`,
      );
      assert.ok(stats.body.totals.filtered >= 2);
      await api('PUT', `/api/v1/destinations/${destinationId}/filters`, []);

      // Without filters, the integrations object alone decides (known at ingest, the body is not parsed).
      const after = sink.requests.length;
      await ingestBatch(server, [
        { type: 'track', userId: 'u', event: 'Off', integrations: { All: false } },
        { type: 'track', userId: 'u', event: 'OffByName', integrations: { Sink: false } },
        { type: 'track', userId: 'u', event: 'Named', integrations: { All: false, Sink: true } },
        { type: 'track', userId: 'u', event: 'Empty', integrations: {} },
      ]);
      await waitFor('the last one', async () =>
        sink.requests.slice(after).some((r) => r.url === '/Empty') ? true : undefined,
      );
      assert.deepEqual(
        sink.requests
          .slice(after)
          .map((r) => r.url)
          .sort(),
        ['/Empty', '/Named'],
      );
    });

    it('batches events through onBatch and settles each by its status', async () => {
      const fn = await api<{ id: string }>('POST', '/api/v1/functions', {
        displayName: 'Batcher',
        code: `async function onBatch(events, settings) {
          await fetch(settings.url + '/batch', { method: 'POST', body: JSON.stringify(events.map((e) => e.messageId)) });
          return events.map((e) => (e.properties && e.properties.bad ? { status: 400, errormessage: 'bad one' } : { status: 200 }));
        }`,
        settings: [{ label: 'URL', type: 'string' }],
      });
      const batcher = await api<{ id: string }>('POST', '/api/v1/destinations', {
        name: 'Batcher',
        functionId: fn.body.id,
        sourceIds: [server.source.id],
        settings: { url: sink.url },
      });
      const before = sink.requests.length;
      const batch = Array.from({ length: 20 }, (_, i) => ({
        type: 'track',
        userId: 'u',
        event: 'Batched',
        properties: { bad: i === 3 },
      }));
      await ingestBatch(server, batch);
      const calls = await waitFor('a batch call', async () => {
        const made = sink.requests.slice(before).filter((r) => r.url === '/batch');
        return made.length > 0 ? made : undefined;
      });
      assert.equal((JSON.parse(calls[0]!.body) as string[]).length, 20, 'one call for 20 events');
      const settled = await waitFor('20 settled', async () => {
        const list = (
          await api<{ data: Delivery[] }>(
            'GET',
            `/api/v1/destinations/${batcher.body.id}/deliveries?limit=50`,
          )
        ).body.data;
        return list.filter((d) => d.status !== 'pending' && d.status !== 'leased').length >= 20
          ? list
          : undefined;
      });
      assert.equal(settled.filter((d) => d.status === 'delivered').length, 19);
      assert.deepEqual(
        settled.filter((d) => d.status === 'discarded').map((d) => d.category),
        ['bad_request'],
      );
      // A backlog goes out in full batches at once; the five left over wait for more (up to 10 s).
      const second = sink.requests.length;
      await ingestBatch(
        server,
        Array.from({ length: 45 }, () => ({ type: 'track', userId: 'u', event: 'Backlog' })),
      );
      const full = await waitFor('two more batch calls', async () => {
        const made = sink.requests.slice(second).filter((r) => r.url === '/batch');
        return made.length >= 2 ? made : undefined;
      });
      assert.deepEqual(
        full.map((call) => (JSON.parse(call.body) as string[]).length),
        [20, 20],
      );
      const waiting = (
        await api<{ data: Delivery[] }>(
          'GET',
          `/api/v1/destinations/${batcher.body.id}/deliveries?limit=100&status=pending`,
        )
      ).body.data;
      assert.equal(waiting.length, 5, 'a partial batch waits for the batch window');
      await api('DELETE', `/api/v1/destinations/${batcher.body.id}`);
    });

    it('a user deletion reaches onDelete and removes the user’s events', async () => {
      const fn = await api<{ id: string }>('POST', '/api/v1/functions', {
        displayName: 'Deleter',
        code: `async function onDelete(event, settings) { await fetch(settings.url + '/delete/' + event.userId, { method: 'POST' }) }
async function onTrack() {}`,
        settings: [{ label: 'URL', type: 'string' }],
      });
      const deleter = await api<{ id: string }>('POST', '/api/v1/destinations', {
        name: 'Deleter',
        functionId: fn.body.id,
        sourceIds: [server.source.id],
        settings: { url: sink.url },
      });
      await server.app.inject({
        method: 'POST',
        url: '/v1/track',
        headers: { authorization: basicAuth(server.source.writeKey), 'content-type': 'application/json' },
        payload: { userId: `forget-me-${dialect}`, event: 'Personal' },
      });
      const regulation = await api('POST', '/api/v1/regulations', { userIds: [`forget-me-${dialect}`] });
      assert.equal(regulation.status, 202);
      assert.equal(regulation.body.deletedEvents, 1);
      await waitFor('the delete call', async () =>
        sink.requests.some((r) => r.url === `/delete/forget-me-${dialect}`) ? true : undefined,
      );
      const samples = await api<{ data: { userId?: string; type: string }[] }>(
        'GET',
        `/api/v1/sources/${server.source.id}/sample-events?limit=100`,
      );
      assert.ok(!samples.body.data.some((e) => e.userId === `forget-me-${dialect}` && e.type !== 'delete'));
      await api('DELETE', `/api/v1/destinations/${deleter.body.id}`);
    });

    it('a destination whose API takes seconds does not hold up a fast one', async () => {
      const fn = await api<{ id: string }>('POST', '/api/v1/functions', {
        displayName: 'Forward again',
        code: `async function onTrack(event, settings) { await fetch(settings.url, { method: 'POST', body: event.messageId }) }`,
        settings: [{ label: 'URL', type: 'string' }],
      });
      const make = async (name: string, path: string) =>
        (
          await api<{ id: string }>('POST', '/api/v1/destinations', {
            name,
            functionId: fn.body.id,
            sourceIds: [server.source.id],
            settings: { url: `${sink.url}${path}` },
          })
        ).body.id;
      // Only these two run for this test.
      await api('PATCH', `/api/v1/destinations/${destinationId}`, { enabled: false });
      const slow = await make('Slow', '/slow');
      const fast = await make('Fast', '/fast');
      sink.handle((request, response) =>
        request.url === '/slow' ? setTimeout(() => response.end(), 3_000) : response.end(),
      );
      const before = sink.requests.length;
      const started = Date.now();
      const batch = Array.from({ length: 60 }, (_, i) => ({
        type: 'track',
        userId: 'u',
        event: 'Both',
        messageId: `both-${dialect}-${i}`,
      }));
      await ingestBatch(server, batch);
      await waitFor('the fast destination’s 60 deliveries', async () =>
        sink.requests.slice(before).filter((r) => r.url === '/fast').length >= 60 ? true : undefined,
      );
      const fastDone = Date.now() - started;
      assert.ok(
        fastDone < 2_000,
        `the fast destination finished in ${fastDone} ms while the slow one was busy`,
      );
      assert.ok(
        sink.requests.slice(before).filter((r) => r.url === '/slow').length <= 16,
        'the slow one is held to its own slots',
      );
      for (const id of [slow, fast]) await api('DELETE', `/api/v1/destinations/${id}`);
      await api('PATCH', `/api/v1/destinations/${destinationId}`, { enabled: true });
      sink.handle((_request, response) => response.end());
    });

    it('exposes Prometheus metrics', async () => {
      const response = await server.app.inject({ method: 'GET', url: '/metrics' });
      assert.equal(response.statusCode, 200);
      assert.match(response.body, /switchyard_events_ingested_total \d+/);
      assert.match(response.body, /switchyard_deliveries_total\{outcome="delivered",category=""\} \d+/);
      assert.match(response.body, /switchyard_invocation_duration_seconds_bucket/);
    });

    it('a disabled destination gets nothing new until it is enabled again', async () => {
      await api('PATCH', `/api/v1/destinations/${destinationId}`, { enabled: false });
      const before = sink.requests.length;
      await server.app.inject({
        method: 'POST',
        url: '/v1/track',
        headers: { authorization: basicAuth(server.source.writeKey), 'content-type': 'application/json' },
        payload: { userId: 'u', event: 'WhileOff' },
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(sink.requests.length, before);
      await api('PATCH', `/api/v1/destinations/${destinationId}`, { enabled: true });
    });
  });
}
