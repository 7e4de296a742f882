// The editor before a function exists: the template, and test runs of a draft with its own settings.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Api, apiClient, errorCode } from './helpers/api-client.ts';
import { type TestServer, createTestServer } from './helpers/test-server.ts';

describe('function drafts', () => {
  let server: TestServer;
  let api: Api;
  before(async () => {
    server = await createTestServer('sqlite');
    api = apiClient(server.app);
  });
  after(() => server.close());

  it('gives the template with every handler', async () => {
    const answer = await api<{ code: string }>('GET', '/api/v1/functions/template');
    assert.equal(answer.status, 200);
    for (const handler of ['onTrack', 'onIdentify', 'onGroup', 'onPage', 'onScreen', 'onAlias', 'onDelete'])
      assert.match(answer.body.code, new RegExp(`async function ${handler}\\(`));
  });

  it('runs a draft with its draft settings, hiding an encrypted value in the logs', async () => {
    const answer = await api<{ status: string; logs: { message: string }[] }>(
      'POST',
      '/api/v1/functions/test',
      {
        code: `async function onTrack(event, settings) { console.log('key', settings.apiKey, event.event) }`,
        settings: [{ label: 'API Key', type: 'string', sensitive: true, required: true }],
        values: { apiKey: 'sk_draft_secret_1234' },
        event: { type: 'track', event: 'Draft Tested', userId: 'u1' },
      },
    );
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.status, 'delivered');
    assert.equal(answer.body.logs.length, 1);
    assert.ok(!answer.body.logs[0]!.message.includes('sk_draft_secret_1234'));
    assert.match(answer.body.logs[0]!.message, /Draft Tested/);
  });

  it('refuses drafts it cannot run with a clear error', async () => {
    const cases: [unknown, string][] = [
      [{ code: 'async function onTrack() {}' }, 'invalid_request'],
      [{ code: 'async function onTrack() {}', event: {}, events: [{}] }, 'invalid_request'],
      [{ code: 'x'.repeat(600 * 1024), event: {} }, 'code_too_large'],
      [
        { code: 'async function onTrack() {}', settings: [{ label: 'A', type: 'nope' }], event: {} },
        'invalid_settings',
      ],
      [
        {
          code: 'async function onTrack() {}',
          settings: [{ label: 'A', type: 'boolean' }],
          values: { a: 'yes' },
          event: {},
        },
        'invalid_settings',
      ],
    ];
    for (const [body, code] of cases) {
      const answer = await api('POST', '/api/v1/functions/test', body);
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
      assert.equal(errorCode(answer), code, JSON.stringify(answer.body));
    }
    const broken = await api<{ status: string; category: string }>('POST', '/api/v1/functions/test', {
      code: 'async function onTrack( {',
      event: { type: 'track', event: 'x', userId: 'u' },
    });
    assert.equal(broken.body.category, 'invalid_settings');
  });
});
