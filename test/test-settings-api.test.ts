// The Test tab's saved values: PUT /functions/:id/test-settings stores them (encrypted ones sealed), GET shows
// them masked, and a masked value sent back — to save or to run — means "the saved one".
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Api, apiClient, errorCode } from './helpers/api-client.ts';
import { type TestServer, createTestServer } from './helpers/test-server.ts';

const SECRET = 'sk_saved_test_secret_9876';
// Logs are masked, so the function says whether it got the secret rather than printing it.
const CODE = `async function onTrack(event, settings) {
  console.log('secret ok', settings.apiKey === '${SECRET}', 'region', settings.region, 'extra', settings.extra)
}`;
const SETTINGS = [
  { label: 'API Key', type: 'string', sensitive: true },
  { label: 'Region', type: 'string' },
];
const EVENT = { type: 'track', event: 'Tested', userId: 'u1' };

interface Fn {
  id: string;
  testSettings: Record<string, unknown>;
}
interface Run {
  status: string;
  logs: { message: string }[];
}

describe('saved test values', () => {
  let server: TestServer;
  let api: Api;
  let fn: Fn;
  before(async () => {
    server = await createTestServer('sqlite');
    api = apiClient(server.app);
    const created = await api<Fn>('POST', '/api/v1/functions', {
      displayName: 'Tested',
      code: CODE,
      settings: SETTINGS,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    fn = created.body;
  });
  after(() => server.close());

  const run = async (body: Record<string, unknown>) => {
    const answer = await api<Run>('POST', `/api/v1/functions/${fn.id}/test`, { event: EVENT, ...body });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.status, 'delivered');
    return answer.body.logs.map((line) => line.message).join('\n');
  };

  it('saves them and shows the encrypted one masked', async () => {
    const saved = await api('PUT', `/api/v1/functions/${fn.id}/test-settings`, {
      settings: { apiKey: SECRET, region: 'eu' },
    });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    assert.deepEqual(saved.body, { apiKey: '••••9876', region: 'eu' });
    const read = await api<Fn>('GET', `/api/v1/functions/${fn.id}`);
    assert.deepEqual(read.body.testSettings, { apiKey: '••••9876', region: 'eu' });
  });

  it('keeps the saved secret when the masked value comes back, and replaces the rest', async () => {
    const saved = await api('PUT', `/api/v1/functions/${fn.id}/test-settings`, {
      settings: { apiKey: '••••9876', region: 'us' },
    });
    assert.deepEqual(saved.body, { apiKey: '••••9876', region: 'us' });
    assert.match(await run({}), /secret ok true region us/);
  });

  it('runs with the saved secret when the Test tab sends the masked value back', async () => {
    assert.match(await run({ settings: { apiKey: '••••9876', region: 'ap' } }), /secret ok true region ap/);
    assert.match(await run({ settings: { apiKey: 'typed-over' } }), /secret ok false region undefined/);
  });

  it('runs a draft with unsaved setting definitions, still resolving the masked value', async () => {
    const definitions = [...SETTINGS, { label: 'Extra', type: 'string' }];
    const logs = await run({
      code: CODE,
      definitions,
      settings: { apiKey: '••••9876', region: 'eu', extra: 'new' },
    });
    assert.match(logs, /secret ok true region eu extra new/);
    // Without the definitions the new setting is unknown, as before.
    const refused = await api('POST', `/api/v1/functions/${fn.id}/test`, {
      event: EVENT,
      settings: { extra: 'new' },
    });
    assert.deepEqual([refused.status, errorCode(refused)], [400, 'invalid_settings']);
    const bad = await api('POST', `/api/v1/functions/${fn.id}/test`, {
      event: EVENT,
      definitions: [{ label: 'X', type: 'nope' }],
    });
    assert.deepEqual([bad.status, errorCode(bad)], [400, 'invalid_settings']);
  });

  it('drops a value sent as null, and refuses values for settings the function does not have', async () => {
    const cleared = await api('PUT', `/api/v1/functions/${fn.id}/test-settings`, {
      settings: { apiKey: '••••9876', region: null },
    });
    assert.deepEqual(cleared.body, { apiKey: '••••9876' });
    const unknown = await api('PUT', `/api/v1/functions/${fn.id}/test-settings`, {
      settings: { extra: 'x' },
    });
    assert.deepEqual([unknown.status, errorCode(unknown)], [400, 'invalid_settings']);
  });

  it('refuses a masked value that stands for nothing stored, rather than saving the mask', async () => {
    const wrong = await api('PUT', `/api/v1/functions/${fn.id}/test-settings`, {
      settings: { apiKey: '••••0000' },
    });
    assert.deepEqual([wrong.status, errorCode(wrong)], [400, 'invalid_settings']);
    const read = await api<{ testSettings: Record<string, unknown> }>('GET', `/api/v1/functions/${fn.id}`);
    assert.equal(read.body.testSettings.apiKey, '••••9876', 'the stored secret is unchanged');
  });
});
