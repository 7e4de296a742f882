// A destination's backlog reaches its function in runs of events (one message and one claim per run, each
// event still its own invocation). A 429 with Retry-After inside a run stops it: the rest go back to the
// queue without spending an attempt, and the destination waits as asked.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Api, apiClient } from './helpers/api-client.ts';
import { type HttpSink, startHttpSink } from './helpers/http-sink.ts';
import { type TestServer, createTestServer, ingestBatch } from './helpers/test-server.ts';
import { DIALECTS, skipReason } from './helpers/test-stores.ts';
import { waitFor } from './helpers/wait-for.ts';

const FORWARD = `async function onTrack(event, settings) {
  console.log('sending', event.properties.n)
  const res = await fetch(settings.url + '/' + event.event, { method: 'POST', body: event.messageId })
  if (res.status === 429 || res.status >= 500) throw new RetryError('HTTP Status ' + res.status)
}`;

interface Delivery {
  id: number;
  status: string;
  attempts: number;
  messageId: string;
}

for (const dialect of DIALECTS) {
  describe(`delivery runs on ${dialect}`, { skip: skipReason(dialect) }, () => {
    let server: TestServer;
    let api: Api;
    let sink: HttpSink;
    let destinationId = '';
    before(async () => {
      // One invocation at a time for the destination: a backlog can only go out in runs.
      server = await createTestServer(dialect, {
        SWITCHYARD_FETCH_ALLOW: '127.0.0.1',
        SWITCHYARD_WORKER_POLL_MS: '20',
        SWITCHYARD_DESTINATION_IN_FLIGHT: '1',
        SWITCHYARD_SUCCESS_LOG_SAMPLE: '0',
      });
      api = apiClient(server.app);
      sink = await startHttpSink();
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
      });
      assert.equal(destination.status, 201, JSON.stringify(destination.body));
      destinationId = destination.body.id;
    });
    after(async () => {
      await server.close();
      await sink.close();
    });

    const send = async (event: string, count: number) => {
      const batch = Array.from({ length: count }, (_, n) => ({
        type: 'track',
        userId: 'u',
        event,
        messageId: `${event}-${dialect}-${n}`,
        properties: { n },
      }));
      assert.equal(await ingestBatch(server, batch), 200);
    };
    const settled = (prefix: string, count: number) =>
      waitFor(`${count} ${prefix} deliveries`, async () => {
        const list = (
          await api<{ data: Delivery[] }>('GET', `/api/v1/destinations/${destinationId}/deliveries?limit=200`)
        ).body.data.filter((d) => d.messageId.startsWith(`${prefix}-`));
        return list.length === count && list.every((d) => d.status === 'delivered') ? list : undefined;
      });

    it('delivers a backlog in order, each event once, with its own record', async () => {
      await send('Warm', 1); // the worker learns the function's pace
      await settled('Warm', 1);
      await send('Backlog', 30);
      const list = await settled('Backlog', 30);
      assert.ok(list.every((d) => d.attempts === 1));
      const sent = sink.requests.filter((r) => r.url === '/Backlog').map((r) => r.body);
      assert.equal(sent.length, 30, 'each event reached the API once');
      // One invocation at a time, oldest first: the API saw them in the order they were sent.
      assert.deepEqual(
        sent,
        Array.from({ length: 30 }, (_, n) => `Backlog-${dialect}-${n}`),
      );
    });

    it('a 429 inside a run spends no attempt, sends nothing more until Retry-After, then delivers the rest', async () => {
      let throttledAt = 0;
      const after429: number[] = [];
      sink.handle((request, response) => {
        if (request.url !== '/Throttled') return response.writeHead(200).end();
        if (throttledAt === 0) {
          throttledAt = Date.now();
          return response.writeHead(429, { 'retry-after': '1' }).end();
        }
        after429.push(Date.now() - throttledAt);
        response.writeHead(200).end();
      });
      await send('Throttled', 8);
      const list = await settled('Throttled', 8);
      // The throttled attempt was not counted: every event is delivered on its first counted attempt.
      assert.ok(
        list.every((d) => d.attempts === 1),
        JSON.stringify(list),
      );
      assert.equal(sink.requests.filter((r) => r.url === '/Throttled').length, 9);
      assert.equal(after429.length, 8);
      // Nothing went to the API before the second it asked to wait was over.
      assert.ok(
        Math.min(...after429) >= 950,
        `first call after the 429 came ${Math.min(...after429)} ms later`,
      );
      sink.handle((_request, response) => response.writeHead(200).end());
    });

    it('writes a settlement group the store refused again, so that nothing runs twice', async () => {
      const queue = server.store.deliveries;
      const settle = queue.settle.bind(queue);
      let refused = 0;
      // The store refuses the first two writes (as a deadlock or a failover would), then takes them.
      queue.settle = async (settlements) => {
        if (refused < 2) {
          refused++;
          throw new Error('deadlock detected');
        }
        return settle(settlements);
      };
      try {
        await send('Refused', 5);
        const list = await settled('Refused', 5);
        assert.equal(refused, 2);
        assert.ok(list.every((d) => d.attempts === 1));
        assert.equal(sink.requests.filter((r) => r.url === '/Refused').length, 5, 'each event ran once');
      } finally {
        queue.settle = settle;
      }
    });

    it('gives up one settlement the store always refuses, and settles the rest', async () => {
      const queue = server.store.deliveries;
      const settle = queue.settle.bind(queue);
      let poison: number | undefined;
      // The first delivery settled is one the store can never take (a row Postgres would refuse).
      queue.settle = async (settlements) => {
        poison ??= settlements[0]?.id;
        if (settlements.some((s) => s.id === poison)) throw new Error('invalid byte sequence');
        return settle(settlements);
      };
      try {
        await send('Poisoned', 4);
        const settledOthers = await waitFor('the other three delivered', async () => {
          const list = (
            await api<{ data: Delivery[] }>(
              'GET',
              `/api/v1/destinations/${destinationId}/deliveries?limit=200`,
            )
          ).body.data.filter((d) => d.messageId.startsWith('Poisoned-'));
          return list.filter((d) => d.status === 'delivered').length === 3 ? list : undefined;
        });
        assert.deepEqual(
          settledOthers.filter((d) => d.status !== 'delivered').map((d) => d.id),
          [poison],
          'only the refused one is left, leased until its lease lapses',
        );
      } finally {
        queue.settle = settle;
      }
    });
  });
}
