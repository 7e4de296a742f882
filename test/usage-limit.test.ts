// A workspace over its monthly execution-time limit pauses delivery with a clear reason; nothing is dropped,
// and raising the limit lets the waiting deliveries go.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Api, apiClient } from './helpers/api-client.ts';
import { type TestServer, basicAuth, createTestServer } from './helpers/test-server.ts';
import { waitFor } from './helpers/wait-for.ts';

interface Stats {
  totals: { delivered: number };
  health: { status: string; reason: string };
}

describe('monthly usage limit', () => {
  let server: TestServer;
  let api: Api;
  let destinationId: string;
  before(async () => {
    server = await createTestServer('sqlite', {
      SWITCHYARD_WORKER_POLL_MS: '20',
      SWITCHYARD_USAGE_CHECK_MS: '50',
    });
    api = apiClient(server.app);
    // Busy for over 5 ms per event, so that execution time adds up measurably: Date.now() ticks in whole
    // milliseconds, so a wait for 5 of them can end after 4.0x (which made the check below fail at times).
    const fn = await api<{ id: string }>('POST', '/api/v1/functions', {
      displayName: 'Busy',
      code: 'async function onTrack() { const t = Date.now(); while (Date.now() - t < 6) {} }',
    });
    const destination = await api<{ id: string }>('POST', '/api/v1/destinations', {
      name: 'Busy',
      functionId: fn.body.id,
      sourceIds: [server.source.id],
      settings: {},
    });
    destinationId = destination.body.id;
    server.startWorker();
  });
  after(() => server.close());

  const send = async (tag: string, count: number) => {
    const batch = Array.from({ length: count }, (_, i) => ({
      type: 'track',
      event: 'Busy',
      userId: 'u1',
      messageId: `${tag}-${i}`,
    }));
    const response = await server.app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { authorization: basicAuth(server.source.writeKey) },
      payload: { batch },
    });
    assert.equal(response.statusCode, 200);
  };
  const stats = async () =>
    (await api<Stats>('GET', `/api/v1/destinations/${destinationId}/stats?window=1h`)).body;

  it('pauses delivery once the month’s execution time is used up, and resumes when the limit is raised', async () => {
    await send('first', 3);
    await waitFor('the first deliveries', async () =>
      (await stats()).totals.delivered >= 3 ? true : undefined,
    );

    const limited = await api('PATCH', `/api/v1/workspaces/${server.workspaceId}`, { usageLimitMs: 1 });
    assert.equal(limited.status, 200, JSON.stringify(limited.body));
    await new Promise((resolve) => setTimeout(resolve, 200)); // the worker re-reads usage every 50 ms here
    await send('second', 3);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const paused = await stats();
    assert.equal(paused.totals.delivered, 3, 'nothing more was delivered');
    assert.equal(paused.health.status, 'paused');
    assert.match(paused.health.reason, /execution-time limit of 1 ms is used up/);
    const usage = await api<{ month: { exceeded: boolean; usedMs: number; limitMs: number } }>(
      'GET',
      '/api/v1/usage',
    );
    assert.equal(usage.body.month.exceeded, true);
    assert.ok(usage.body.month.usedMs >= 15);
    const waiting = await api<{ data: { status: string }[] }>(
      'GET',
      `/api/v1/destinations/${destinationId}/deliveries?status=pending`,
    );
    assert.equal(waiting.body.data.length, 3, 'the deliveries wait, none dropped');

    assert.equal(
      (await api('PATCH', `/api/v1/workspaces/${server.workspaceId}`, { usageLimitMs: null })).status,
      200,
    );
    await waitFor('the waiting deliveries', async () =>
      (await stats()).totals.delivered >= 6 ? true : undefined,
    );
    assert.equal((await stats()).health.status, 'healthy');
  });

  it('refuses bad limits and other workspaces', async () => {
    for (const body of [{ usageLimitMs: 0 }, { usageLimitMs: 'lots' }, {}, { other: 1 }]) {
      const answer = await api('PATCH', `/api/v1/workspaces/${server.workspaceId}`, body);
      assert.equal(answer.status, 400, JSON.stringify(body));
    }
    assert.equal((await api('PATCH', '/api/v1/workspaces/ws_elsewhere', { usageLimitMs: 10 })).status, 404);
  });
});
