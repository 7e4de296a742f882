// /api/v1/functions: create, read, save (versions), restore, diff, delete — and bad input with exact answers.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_FUNCTION_CODE } from '../src/functions/default-template.ts';
import { type Api, apiClient, errorCode } from './helpers/api-client.ts';
import { type TestServer, createTestServer } from './helpers/test-server.ts';

let server: TestServer;
let api: Api;
before(async () => {
  server = await createTestServer('sqlite');
  api = apiClient(server.app);
});
after(() => server.close());

const CODE = `async function onTrack(event, settings) {\n  console.log(event.event, settings.apiKey)\n}`;
const SETTINGS = [
  { label: 'API Key', type: 'string', required: true, sensitive: true, description: 'Your key' },
  { label: 'Region', type: 'string' },
];

interface Fn {
  id: string;
  code: string;
  version: { id: string; number: number };
  settings: { name: string }[];
}

async function createFunction(body: Record<string, unknown> = {}): Promise<Fn> {
  const answer = await api<Fn>('POST', '/api/v1/functions', {
    displayName: 'Webhook',
    code: CODE,
    settings: SETTINGS,
    ...body,
  });
  assert.equal(answer.status, 201, JSON.stringify(answer.body));
  return answer.body;
}

describe('functions: create and read', () => {
  it('creates a function at version 1 with generated setting names', async () => {
    const created = await api('POST', '/api/v1/functions', {
      displayName: 'My Webhook',
      description: 'Posts events',
      code: CODE,
      settings: SETTINGS,
    });
    assert.equal(created.status, 201);
    assert.match(created.body.id as string, /^fn_/);
    assert.deepEqual((created.body.version as { number: number }).number, 1);
    assert.deepEqual(created.body.settings, [
      {
        name: 'apiKey',
        label: 'API Key',
        type: 'string',
        description: 'Your key',
        required: true,
        sensitive: true,
      },
      { name: 'region', label: 'Region', type: 'string', description: '', required: false, sensitive: false },
    ]);
    const read = await api('GET', `/api/v1/functions/${created.body.id as string}`);
    assert.equal(read.status, 200);
    assert.equal(read.body.code, CODE);
    assert.equal(read.body.displayName, 'My Webhook');
  });

  it('starts a function without code from the template with every handler', async () => {
    const fn = await createFunction({ code: undefined, settings: [] });
    assert.equal(fn.code, DEFAULT_FUNCTION_CODE);
    for (const handler of ['onTrack', 'onIdentify', 'onGroup', 'onPage', 'onScreen', 'onAlias', 'onDelete']) {
      assert.ok(fn.code.includes(`async function ${handler}(event, settings)`), handler);
    }
  });

  it('lists functions page by page, without code', async () => {
    await createFunction();
    await createFunction();
    const first = await api<{ data: Fn[]; next: string | null }>('GET', '/api/v1/functions?limit=2');
    assert.equal(first.status, 200);
    assert.equal(first.body.data.length, 2);
    assert.equal(first.body.data[0]?.code, undefined);
    assert.ok(first.body.next);
    const second = await api<{ data: Fn[] }>('GET', `/api/v1/functions?limit=2&cursor=${first.body.next}`);
    assert.ok(second.body.data.length >= 1);
    assert.ok(!second.body.data.some((f) => first.body.data.some((g) => g.id === f.id)));
  });
});

describe('functions: save makes versions; restore; diff', () => {
  it('saving code or settings adds a version; a rename does not', async () => {
    const fn = await createFunction();
    const renamed = await api<Fn>('PATCH', `/api/v1/functions/${fn.id}`, { displayName: 'Renamed' });
    assert.equal(renamed.body.version.number, 1);
    const saved = await api<Fn>('PATCH', `/api/v1/functions/${fn.id}`, {
      code: CODE.replace('console.log', 'console.info'),
    });
    assert.equal(saved.status, 200);
    assert.equal(saved.body.version.number, 2);
    const resettled = await api<Fn>('PATCH', `/api/v1/functions/${fn.id}`, {
      settings: [...SETTINGS, { label: 'Verbose', type: 'boolean' }],
    });
    assert.equal(resettled.body.version.number, 3);
    assert.ok(resettled.body.code.includes('console.info'), 'a settings save keeps the latest code');

    const versions = await api<{
      data: { number: number; isLatest: boolean; author: string; settings: unknown[] }[];
    }>('GET', `/api/v1/functions/${fn.id}/versions`);
    assert.deepEqual(
      versions.body.data.map((v) => [v.number, v.isLatest]),
      [
        [3, true],
        [2, false],
        [1, false],
      ],
    );
    assert.ok(versions.body.data.every((v) => v.author.length > 0));
  });

  it('restores an old version as a new LATEST, and diffs two versions', async () => {
    const fn = await createFunction();
    await api('PATCH', `/api/v1/functions/${fn.id}`, { code: `${CODE}\n// v2` });
    const restored = await api<{ number: number; code: string; restoredFrom: string }>(
      'POST',
      `/api/v1/functions/${fn.id}/versions`,
      {
        versionId: fn.version.id,
      },
    );
    assert.equal(restored.status, 201);
    assert.equal(restored.body.number, 3);
    assert.equal(restored.body.code, CODE);
    const latest = await api<Fn>('GET', `/api/v1/functions/${fn.id}`);
    assert.equal(latest.body.version.number, 3);

    const list = await api<{ data: { id: string; number: number }[] }>(
      'GET',
      `/api/v1/functions/${fn.id}/versions`,
    );
    const v2 = list.body.data.find((v) => v.number === 2)!;
    const diff = await api<{ code: { op: string; text: string }[] }>(
      'GET',
      `/api/v1/functions/${fn.id}/versions/${fn.version.id}/diff/${v2.id}`,
    );
    assert.equal(diff.status, 200);
    assert.deepEqual(
      diff.body.code.filter((l) => l.op !== ' '),
      [{ op: '+', text: '// v2', newLine: 4 }],
    );
  });
});

describe('functions: bad input gets its exact answer and saves nothing', () => {
  it('a syntax error is a 400 with line and column', async () => {
    const answer = await api('POST', '/api/v1/functions', {
      displayName: 'Broken',
      code: 'async function onTrack() {\n  return )\n}',
    });
    assert.equal(answer.status, 400);
    assert.deepEqual(answer.body.error, {
      code: 'invalid_code',
      message: "SyntaxError: Unexpected token ')' (line 2, column 10)",
      line: 2,
      column: 10,
      field: 'code',
    });
    const fn = await createFunction();
    const patch = await api('PATCH', `/api/v1/functions/${fn.id}`, {
      code: 'function (',
      displayName: 'Should not stick',
    });
    assert.equal(errorCode(patch), 'invalid_code');
    const unchanged = await api<Fn & { displayName: string }>('GET', `/api/v1/functions/${fn.id}`);
    assert.deepEqual(
      [unchanged.body.version.number, unchanged.body.displayName],
      [1, 'Webhook'],
      'nothing half-saved',
    );
  });

  it('code without a handler, oversize code, and wrong types', async () => {
    assert.equal(
      errorCode(await api('POST', '/api/v1/functions', { displayName: 'X', code: 'const x = 1' })),
      'no_handler',
    );
    const big = `async function onTrack() {}\n//${'x'.repeat(512 * 1024)}`;
    const oversize = await api('POST', '/api/v1/functions', { displayName: 'X', code: big });
    assert.deepEqual([oversize.status, errorCode(oversize)], [400, 'code_too_large']);
    const wrongType = await api('POST', '/api/v1/functions', { displayName: 42, code: CODE });
    assert.deepEqual(
      [wrongType.status, (wrongType.body.error as { field: string }).field],
      [400, 'displayName'],
    );
    const missing = await api('POST', '/api/v1/functions', { code: CODE });
    assert.equal(missing.status, 400);
  });

  it('invalid setting definitions name the one at fault', async () => {
    const cases: [unknown[], string, string][] = [
      [
        [
          { label: 'API Key', type: 'string' },
          { label: 'api key', type: 'boolean' },
        ],
        'settings[1].name',
        'settings[1].name "apiKey" is used by another setting',
      ],
      [
        [{ label: 'Key', type: 'number' }],
        'settings[0].type',
        'settings[0].type must be one of string, boolean, array, textMap',
      ],
      [
        [{ label: '', type: 'string' }],
        'settings[0].label',
        'settings[0].label must be a string of 1 to 100 characters',
      ],
      [
        [{ label: 'Key', name: 'my-key', type: 'string' }],
        'settings[0].name',
        'settings[0].name must be a JavaScript identifier (letters, digits, _ and $)',
      ],
      [
        [{ label: 'Key', type: 'string', required: 'yes' }],
        'settings[0].required',
        'settings[0].required must be a boolean',
      ],
    ];
    for (const [settings, field, message] of cases) {
      const answer = await api('POST', '/api/v1/functions', { displayName: 'X', code: CODE, settings });
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
      assert.deepEqual(answer.body.error, { code: 'invalid_settings', message, field });
    }
    const aliases = await createFunction({
      settings: [
        { label: 'Tags', type: 'ARRAY' },
        { label: 'Headers', type: 'TEXT_MAP' },
      ],
    });
    assert.deepEqual(
      aliases.settings.map((s) => [s.name, (s as unknown as { type: string }).type]),
      [
        ['tags', 'array'],
        ['headers', 'textMap'],
      ],
    );
  });

  it('unknown ids are 404; another function’s version cannot be restored; malformed JSON is 400', async () => {
    assert.equal((await api('GET', '/api/v1/functions/fn_nope')).status, 404);
    assert.equal((await api('PATCH', '/api/v1/functions/fn_nope', { displayName: 'x' })).status, 404);
    assert.equal((await api('DELETE', '/api/v1/functions/fn_nope')).status, 404);
    const a = await createFunction();
    const b = await createFunction();
    const foreign = await api('POST', `/api/v1/functions/${a.id}/versions`, { versionId: b.version.id });
    assert.deepEqual([foreign.status, (foreign.body.error as { field: string }).field], [404, 'versionId']);
    assert.equal((await api('GET', `/api/v1/functions/${a.id}/versions/${b.version.id}`)).status, 404);
    const malformed = await api('POST', '/api/v1/functions', '{"displayName": "x",');
    assert.deepEqual([malformed.status, errorCode(malformed)], [400, 'invalid_json']);
  });
});

describe('functions: delete', () => {
  it('refuses to delete a deployed function unless forced, then removes its destinations too', async () => {
    const fn = await createFunction();
    const destination = await api<{ id: string }>('POST', '/api/v1/destinations', {
      name: 'Prod',
      functionId: fn.id,
      sourceIds: [server.source.id],
      settings: { apiKey: 'k-1234567890' },
    });
    assert.equal(destination.status, 201, JSON.stringify(destination.body));
    const refused = await api('DELETE', `/api/v1/functions/${fn.id}`);
    assert.equal(refused.status, 409);
    assert.deepEqual(refused.body.error, {
      code: 'function_deployed',
      message: '1 destination(s) run this function; delete them first or pass ?force=true',
      destinationIds: [destination.body.id],
    });
    assert.equal((await api('GET', `/api/v1/functions/${fn.id}`)).status, 200, 'still there');
    assert.equal((await api('DELETE', `/api/v1/functions/${fn.id}?force=true`)).status, 204);
    assert.equal((await api('GET', `/api/v1/functions/${fn.id}`)).status, 404);
    assert.equal((await api('GET', `/api/v1/destinations/${destination.body.id}`)).status, 404);
    const deployDeleted = await api('POST', `/api/v1/functions/${fn.id}/deploy`, {});
    assert.equal(deployDeleted.status, 404, 'deploying a deleted function');
  });
});
