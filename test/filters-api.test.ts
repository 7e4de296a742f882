// Destination filters through the API: saved only when valid, previewed on an event.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestEvent } from '../src/spec/create-test-event.ts';
import { type Api, apiClient, errorCode } from './helpers/api-client.ts';
import { type TestServer, createTestServer } from './helpers/test-server.ts';

let server: TestServer;
let api: Api;
let destinationId = '';
before(async () => {
  server = await createTestServer('sqlite');
  api = apiClient(server.app);
  const fn = await api<{ id: string }>('POST', '/api/v1/functions', {
    displayName: 'F',
    code: 'async function onTrack() {}',
  });
  const destination = await api<{ id: string }>('POST', '/api/v1/destinations', {
    name: 'Webhook',
    functionId: fn.body.id,
    settings: {},
  });
  destinationId = destination.body.id;
});
after(() => server.close());

const FILTERS = [
  { if: 'type = "identify"', actions: [{ type: 'DROP' }] },
  {
    if: 'event = "Order Completed" and properties.revenue > 100',
    actions: [{ type: 'DROP_PROPERTIES', fields: { properties: ['currency'] } }],
  },
  { if: 'all', actions: [{ type: 'ALLOW_PROPERTIES', fields: { context: ['ip'] } }] },
];

describe('filters API', () => {
  it('saves valid filters and returns them', async () => {
    const saved = await api('PUT', `/api/v1/destinations/${destinationId}/filters`, FILTERS);
    assert.deepEqual(saved, { status: 200, body: { filters: FILTERS } });
    assert.deepEqual((await api('GET', `/api/v1/destinations/${destinationId}/filters`)).body, {
      filters: FILTERS,
    });
    assert.deepEqual(
      (await api<{ filters: unknown }>('GET', `/api/v1/destinations/${destinationId}`)).body.filters,
      FILTERS,
    );
  });

  it('refuses invalid FQL at save time with the position, and keeps the old filters', async () => {
    const answer = await api('PUT', `/api/v1/destinations/${destinationId}/filters`, [
      { if: 'all', actions: [{ type: 'DROP' }] },
      { if: 'event = "x" and (properties.a > ', actions: [{ type: 'DROP' }] },
    ]);
    assert.equal(answer.status, 400);
    assert.equal(errorCode(answer), 'invalid_filter');
    assert.equal((answer.body.error as { field: string }).field, '[1].if');
    assert.match((answer.body.error as { message: string }).message, /column \d+/);
    const percent = await api('PUT', `/api/v1/destinations/${destinationId}/filters`, [
      { if: 'all', actions: [{ type: 'SAMPLE', percent: 2 }] },
    ]);
    assert.deepEqual(
      [percent.status, (percent.body.error as { field: string }).field],
      [400, '[0].actions[0].percent'],
    );
    assert.deepEqual((await api('GET', `/api/v1/destinations/${destinationId}/filters`)).body, {
      filters: FILTERS,
    });
    assert.equal(
      (await api('PUT', `/api/v1/destinations/${destinationId}/filters`, { if: 'all' })).status,
      400,
    );
  });

  it('previews what the filters and the integrations object do to an event', async () => {
    const identify = await api('POST', `/api/v1/destinations/${destinationId}/filters/preview`, {
      event: createTestEvent({ type: 'identify' }),
    });
    assert.deepEqual(identify.body, {
      delivered: false,
      event: null,
      reason: 'dropped by DROP in filter 0',
      dropped: { filterIndex: 0, action: 'DROP' },
    });
    const big = createTestEvent({ properties: { revenue: 250, currency: 'USD', orderId: 'o-1' } });
    const kept = await api<{ delivered: boolean; event: { properties: unknown; context: unknown } }>(
      'POST',
      `/api/v1/destinations/${destinationId}/filters/preview`,
      { event: big },
    );
    assert.equal(kept.body.delivered, true);
    assert.deepEqual(kept.body.event.properties, { revenue: 250, orderId: 'o-1' });
    assert.deepEqual(kept.body.event.context, { ip: '203.0.113.7' });
    const off = await api('POST', `/api/v1/destinations/${destinationId}/filters/preview`, {
      event: createTestEvent({ integrations: { All: false } }),
    });
    assert.deepEqual(off.body, {
      delivered: false,
      event: null,
      reason: 'the event\'s integrations object turns "Webhook" off',
    });
    const draft = await api<{ delivered: boolean }>(
      'POST',
      `/api/v1/destinations/${destinationId}/filters/preview`,
      {
        event: createTestEvent({ type: 'identify' }),
        filters: [],
      },
    );
    assert.equal(draft.body.delivered, true, 'draft filters replace the saved ones');
    assert.equal(
      (await api('POST', '/api/v1/destinations/dst_nope/filters/preview', { event: {} })).status,
      404,
    );
  });
});
