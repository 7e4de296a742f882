// /api/v1/sources: bearer tokens, workspaces, validation, pagination, sample events.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TEST_ADMIN_TOKEN, type TestServer, basicAuth, createTestServer } from './helpers/test-server.ts';

let server: TestServer;
before(async () => {
  server = await createTestServer('sqlite');
});
after(() => server.close());

async function api(method: string, url: string, body?: unknown, token: string | null = TEST_ADMIN_TOKEN) {
  const response = await server.app.inject({
    method: method as 'GET',
    url,
    headers: {
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: response.statusCode, body: response.json<Record<string, unknown>>() };
}

describe('management API: authentication', () => {
  it('401 without a token, with a wrong one, or with a write key instead of a token', async () => {
    for (const token of [null, 'sy_nope_nope_nope_nope', server.source.writeKey]) {
      const answer = await api('GET', '/api/v1/sources', undefined, token);
      assert.equal(answer.status, 401);
      assert.equal((answer.body.error as { code: string }).code, 'unauthorized');
    }
    const basic = await server.app.inject({
      method: 'GET',
      url: '/api/v1/sources',
      headers: { authorization: basicAuth(TEST_ADMIN_TOKEN) },
    });
    assert.equal(basic.statusCode, 401, 'only Bearer is accepted');
  });
});

describe('management API: sources', () => {
  it('creates a source with a write key that the tracking API accepts', async () => {
    const created = await api('POST', '/api/v1/sources', { name: '  iOS app  ' });
    assert.equal(created.status, 201);
    assert.equal(created.body.name, 'iOS app');
    assert.match(created.body.id as string, /^src_\w{22}$/);
    assert.match(created.body.writeKey as string, /^\w{32}$/);
    const tracked = await server.app.inject({
      method: 'POST',
      url: '/v1/track',
      headers: {
        authorization: basicAuth(created.body.writeKey as string),
        'content-type': 'application/json',
      },
      payload: { userId: 'u', event: 'Opened' },
    });
    assert.equal(tracked.statusCode, 200);
  });

  it('refuses bad bodies with 400 naming the field, and creates nothing', async () => {
    const before = await api('GET', '/api/v1/sources?limit=200');
    const cases: [unknown, string][] = [
      [{}, 'invalid_request'],
      [{ name: 42 }, 'invalid_request'],
      [{ name: '' }, 'invalid_request'],
      [{ name: '   ' }, 'invalid_request'],
      [{ name: 'x'.repeat(201) }, 'invalid_request'],
      [{ name: 'ok', extra: true }, 'invalid_request'],
      ['{"name": ', 'invalid_json'],
    ];
    for (const [body, code] of cases) {
      const answer = await api('POST', '/api/v1/sources', body);
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.equal((answer.body.error as { code: string }).code, code, JSON.stringify(answer.body));
    }
    const named = await api('POST', '/api/v1/sources', { name: 42 });
    assert.equal((named.body.error as { field?: string }).field, 'name');
    const afterwards = await api('GET', '/api/v1/sources?limit=200');
    assert.equal((afterwards.body.data as unknown[]).length, (before.body.data as unknown[]).length);
  });

  it('lists sources page by page with a cursor', async () => {
    for (let i = 0; i < 4; i++) await api('POST', '/api/v1/sources', { name: `Paged ${i}` });
    const all = await api('GET', '/api/v1/sources?limit=200');
    const ids: string[] = [];
    let url = '/api/v1/sources?limit=2';
    for (let guard = 0; guard < 20; guard++) {
      const page = await api('GET', url);
      assert.equal(page.status, 200);
      assert.ok((page.body.data as unknown[]).length <= 2);
      ids.push(...(page.body.data as { id: string }[]).map((s) => s.id));
      if (page.body.next === null) break;
      url = `/api/v1/sources?limit=2&cursor=${page.body.next as string}`;
    }
    assert.deepEqual(
      ids,
      (all.body.data as { id: string }[]).map((s) => s.id),
    );
    assert.equal((await api('GET', '/api/v1/sources?cursor=garbage')).status, 400);
    assert.equal((await api('GET', '/api/v1/sources?limit=0')).status, 400);
    assert.equal((await api('GET', '/api/v1/sources?limit=abc')).status, 400);
  });

  it("answers 404 for unknown ids and for another workspace's source, alike", async () => {
    const unknown = await api('GET', '/api/v1/sources/src_doesnotexist');
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.body, { error: { code: 'not_found', message: 'source not found' } });

    // The owner of a second workspace asks for this workspace's source.
    const theirs = await createSecondWorkspace();
    const answer = await api('GET', `/api/v1/sources/${server.source.id}`, undefined, theirs);
    assert.deepEqual(answer, unknown);
    const samples = await api('GET', `/api/v1/sources/${server.source.id}/sample-events`, undefined, theirs);
    assert.deepEqual(samples, unknown);
    const list = await api('GET', '/api/v1/sources', undefined, theirs);
    assert.deepEqual(list, { status: 200, body: { data: [], next: null } });
  });

  it('returns sample events newest first, limited', async () => {
    const auth = basicAuth(server.source.writeKey);
    for (const event of ['First', 'Second', 'Third']) {
      await server.app.inject({
        method: 'POST',
        url: '/v1/track',
        headers: { authorization: auth, 'content-type': 'application/json' },
        payload: { userId: 'u', event },
      });
    }
    const answer = await api('GET', `/api/v1/sources/${server.source.id}/sample-events?limit=2`);
    assert.equal(answer.status, 200);
    assert.deepEqual(
      (answer.body.data as { event: string }[]).map((e) => e.event),
      ['Third', 'Second'],
    );
    assert.equal(
      (await api('GET', `/api/v1/sources/${server.source.id}/sample-events?limit=101`)).status,
      400,
    );
  });
});

/** A second workspace whose owner is a new user, and that owner's API token. */
async function createSecondWorkspace(): Promise<string> {
  const access = server.store.access;
  const userId = await access.createUser({ email: 'other-owner@example.com', name: 'Other Owner' });
  const workspaceId = await access.createWorkspace({ name: 'Other', ownerUserId: userId });
  return (await access.createToken({ workspaceId, userId, name: 'other owner' })).token;
}
