// People, sign-in, tokens, workspaces, the audit trail and usage: what must be allowed, and what must be
// refused with its exact status and nothing changed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { InjectOptions } from 'fastify';
import { apiClient, errorCode } from './helpers/api-client.ts';
import {
  TEST_ADMIN_EMAIL,
  TEST_ADMIN_PASSWORD,
  type TestServer,
  createTestServer,
} from './helpers/test-server.ts';

let server: TestServer;
before(async () => {
  server = await createTestServer('sqlite');
});
after(() => server.close());

interface Session {
  readonly cookie: string;
  readonly csrf: string;
  readonly setCookie: string;
}

async function signIn(email: string, password: string, ip = '127.0.0.1'): Promise<Session> {
  const response = await server.app.inject({
    method: 'POST',
    url: '/api/v1/auth/sign-in',
    payload: { email, password },
    remoteAddress: ip,
  });
  assert.equal(response.statusCode, 200, response.body);
  const setCookie = String(response.headers['set-cookie']);
  return {
    cookie: setCookie.split(';')[0]!,
    csrf: response.json<{ csrfToken: string }>().csrfToken,
    setCookie,
  };
}

/** A request as the browser makes it: the cookie, and the CSRF header unless told otherwise. */
function browser(session: Pick<Session, 'cookie' | 'csrf'>, csrf: boolean | string = true) {
  return async <T = Record<string, unknown>>(method: string, url: string, body?: unknown) => {
    const options: InjectOptions = {
      method,
      url,
      headers: {
        cookie: session.cookie,
        ...(csrf === false ? {} : { 'x-csrf-token': csrf === true ? session.csrf : csrf }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    };
    const response = await server.app.inject(options);
    return { status: response.statusCode, body: (response.body === '' ? {} : response.json()) as T };
  };
}

const owner = () => apiClient(server.app);
const CODE = 'async function onTrack(event, settings) { return event.event }';

describe('sign-in and sessions', () => {
  it('signs the owner in with SWITCHYARD_ADMIN_EMAIL and _PASSWORD: an HttpOnly, SameSite cookie', async () => {
    const session = await signIn(TEST_ADMIN_EMAIL, TEST_ADMIN_PASSWORD);
    assert.match(
      session.setCookie,
      /^sy_session=[A-Za-z0-9]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/,
    );
    const me = await browser(session)<{ user: { email: string }; roles: unknown; csrfToken: string }>(
      'GET',
      '/api/v1/me',
    );
    assert.equal(me.status, 200);
    assert.equal(me.body.user.email, TEST_ADMIN_EMAIL);
    assert.deepEqual(me.body.roles, [{ role: 'workspace_owner' }]);
    assert.equal(me.body.csrfToken, session.csrf);
  });

  it('refuses a cookie-authenticated change without the CSRF token, and changes nothing', async () => {
    const session = await signIn(TEST_ADMIN_EMAIL, TEST_ADMIN_PASSWORD);
    const before = (await owner()<{ data: unknown[] }>('GET', '/api/v1/sources')).body.data.length;
    for (const csrf of [false, 'not-the-token'] as const) {
      const answer = await browser(session, csrf)('POST', '/api/v1/sources', { name: 'csrf' });
      assert.equal(answer.status, 403);
      assert.equal(errorCode(answer), 'csrf_failed');
    }
    assert.equal((await owner()<{ data: unknown[] }>('GET', '/api/v1/sources')).body.data.length, before);
    const allowed = await browser(session)('POST', '/api/v1/sources', { name: 'from the browser' });
    assert.equal(allowed.status, 201);
  });

  it('answers a tampered, unknown or signed-out cookie with 401', async () => {
    const session = await signIn(TEST_ADMIN_EMAIL, TEST_ADMIN_PASSWORD);
    const tampered = `${session.cookie.slice(0, -1)}${session.cookie.endsWith('a') ? 'b' : 'a'}`;
    for (const cookie of [tampered, 'sy_session=', 'sy_session=../../etc', 'other=1']) {
      const answer = await browser({ cookie, csrf: session.csrf })('GET', '/api/v1/me');
      assert.equal(answer.status, 401, cookie);
    }
    assert.equal((await browser(session)('POST', '/api/v1/auth/sign-out')).status, 204);
    assert.equal((await browser(session)('GET', '/api/v1/me')).status, 401);
  });

  it('gives the same answer for an unknown email and a wrong password, and limits failed attempts', async () => {
    const attempt = (email: string, password: string, ip: string) =>
      server.app.inject({
        method: 'POST',
        url: '/api/v1/auth/sign-in',
        payload: { email, password },
        remoteAddress: ip,
      });
    const target = 'target@switchyard.test';
    const created = await owner()('POST', '/api/v1/members', {
      email: target,
      name: 'Target',
      password: 'target-password-1',
      roles: [{ role: 'functions_read_only' }],
    });
    assert.equal(created.status, 201);
    const unknown = await attempt('nobody@switchyard.test', 'whatever-password', '10.0.0.1');
    const wrong = await attempt(target, 'wrong-password', '10.0.0.2');
    assert.equal(unknown.statusCode, 401);
    assert.deepEqual(unknown.json(), wrong.json());
    assert.equal(wrong.json<{ error: { code: string } }>().error.code, 'invalid_credentials');
    // Four more failures for the account, from several addresses: the fifth locks it out for a while,
    // even with the right password.
    for (let i = 0; i < 4; i++) await attempt(target, 'wrong-password', `10.0.1.${i}`);
    const locked = await attempt(target, 'target-password-1', '10.0.2.1');
    assert.equal(locked.statusCode, 429);
    assert.ok(Number(locked.headers['retry-after']) > 0);
    // Failed sign-ins of a known account are in its workspace's audit trail.
    const trail = await owner()<{ data: { action: string; outcome: string; ip: string }[] }>(
      'GET',
      '/api/v1/audit-events?limit=500',
    );
    const failed = trail.body.data.filter((e) => e.action === 'auth.sign-in' && e.outcome === 'failed');
    assert.ok(failed.some((e) => e.ip === '10.0.0.2'));
  });

  it('refuses malformed sign-in bodies with 400', async () => {
    for (const payload of [
      {},
      { email: 'a@b.c' },
      { email: 1, password: 'x' },
      { email: 'a@b.c', password: 'x', extra: 1 },
    ]) {
      const response = await server.app.inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload });
      assert.equal(response.statusCode, 400, JSON.stringify(payload));
    }
  });
});

describe('members, roles and tokens', () => {
  let readerId: string;
  let readerSession: Session;
  let functionA: string;
  let functionB: string;

  before(async () => {
    const api = owner();
    functionA = (await api<{ id: string }>('POST', '/api/v1/functions', { displayName: 'A', code: CODE }))
      .body.id;
    functionB = (await api<{ id: string }>('POST', '/api/v1/functions', { displayName: 'B', code: CODE }))
      .body.id;
    const created = await api<{ userId: string; roles: unknown }>('POST', '/api/v1/members', {
      email: 'Reader@Switchyard.test',
      name: 'Reader',
      password: 'reader-password-1',
      roles: [{ role: 'functions_read_only' }],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    readerId = created.body.userId;
    readerSession = await signIn('reader@switchyard.test', 'reader-password-1');
  });

  it('lets a Read-only member read but not change anything, and escalate nothing', async () => {
    const reader = browser(readerSession);
    assert.equal((await reader('GET', `/api/v1/functions/${functionA}`)).status, 200);
    const attempts: [string, string, unknown?][] = [
      ['POST', '/api/v1/functions', { displayName: 'X', code: CODE }],
      ['PATCH', `/api/v1/functions/${functionA}`, { displayName: 'Renamed' }],
      ['DELETE', `/api/v1/functions/${functionA}`],
      ['POST', '/api/v1/sources', { name: 'S' }],
      ['PATCH', `/api/v1/members/${readerId}`, { roles: [{ role: 'workspace_owner' }] }],
      ['POST', '/api/v1/members', { email: 'x@y.z', name: 'X', roles: [{ role: 'workspace_owner' }] }],
      ['POST', '/api/v1/tokens', { name: 'mine', roles: [{ role: 'workspace_owner' }] }],
      ['POST', '/api/v1/invitations', { email: 'x@y.z', roles: [{ role: 'workspace_owner' }] }],
    ];
    for (const [method, url, body] of attempts) {
      const answer = await reader(method, url, body);
      assert.equal(answer.status, 403, `${method} ${url}: ${JSON.stringify(answer.body)}`);
    }
    assert.equal((await reader('GET', '/api/v1/members')).status, 403);
    assert.equal((await reader('GET', '/api/v1/audit-events')).status, 403);
    const fn = await owner()<{ displayName: string }>('GET', `/api/v1/functions/${functionA}`);
    assert.equal(fn.body.displayName, 'A');
    const me = await reader<{ roles: unknown }>('GET', '/api/v1/me');
    assert.deepEqual(me.body.roles, [{ role: 'functions_read_only' }]);
    // Each refusal is in the trail, as denied.
    const trail = await owner()<{ data: { outcome: string; actor: { label: string } }[] }>(
      'GET',
      `/api/v1/audit-events?actor=reader@switchyard.test&limit=500`,
    );
    assert.ok(trail.body.data.filter((e) => e.outcome === 'denied').length >= attempts.length);
  });

  it('gives a member a personal token that acts with their roles, listed without its secret', async () => {
    const reader = browser(readerSession);
    const created = await reader<{ id: string; token: string; kind: string }>('POST', '/api/v1/tokens', {
      name: 'laptop',
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.kind, 'personal');
    assert.match(created.body.token, /^sy_[A-Za-z0-9]{40}$/);
    const viaToken = apiClient(server.app, created.body.token);
    assert.equal((await viaToken('GET', `/api/v1/functions/${functionA}`)).status, 200);
    assert.equal(
      (await viaToken('PATCH', `/api/v1/functions/${functionA}`, { displayName: 'X' })).status,
      403,
    );
    const list = await reader<{ data: { id: string }[] }>('GET', '/api/v1/tokens');
    assert.deepEqual(
      list.body.data.map((t) => t.id),
      [created.body.id],
    );
    assert.ok(!JSON.stringify(list.body).includes(created.body.token));
    assert.equal((await reader('DELETE', `/api/v1/tokens/${created.body.id}`)).status, 204);
    assert.equal((await viaToken('GET', '/api/v1/me')).status, 401);
  });

  it('scopes a workspace token to the functions it names', async () => {
    const token = await owner()<{ token: string; kind: string }>('POST', '/api/v1/tokens', {
      name: 'CI for A',
      roles: [{ role: 'functions_admin', resourceIds: [functionA] }],
    });
    assert.equal(token.status, 201);
    assert.equal(token.body.kind, 'workspace');
    const ci = apiClient(server.app, token.body.token);
    assert.equal(
      (await ci('PATCH', `/api/v1/functions/${functionA}`, { description: 'from CI' })).status,
      200,
    );
    assert.equal(
      (await ci('PATCH', `/api/v1/functions/${functionB}`, { description: 'from CI' })).status,
      403,
    );
    assert.equal((await ci('POST', '/api/v1/functions', { displayName: 'New', code: CODE })).status, 403);
    // A workspace token cannot mint a personal token or own a workspace.
    assert.equal((await ci('POST', '/api/v1/tokens', { name: 'x' })).status, 400);
    assert.equal((await ci('POST', '/api/v1/workspaces', { name: 'x' })).status, 403);
  });

  it('refuses expired and revoked tokens', async () => {
    const expired = await server.store.access.createToken({
      workspaceId: server.workspaceId,
      userId: null,
      name: 'old',
      roles: [{ role: 'workspace_owner' }],
      expiresAt: Date.now() - 1,
    });
    assert.equal((await apiClient(server.app, expired.token)('GET', '/api/v1/sources')).status, 401);
    const live = await owner()<{ id: string; token: string }>('POST', '/api/v1/tokens', {
      name: 'short',
      roles: [{ role: 'functions_read_only' }],
      expiresInDays: 1,
    });
    assert.equal((await apiClient(server.app, live.body.token)('GET', '/api/v1/functions')).status, 200);
    assert.equal((await owner()('DELETE', `/api/v1/tokens/${live.body.id}`)).status, 204);
    assert.equal((await apiClient(server.app, live.body.token)('GET', '/api/v1/functions')).status, 401);
    // A client left running with the revoked token: refused every time, recorded once.
    for (let i = 0; i < 5; i++)
      assert.equal((await apiClient(server.app, live.body.token)('GET', '/api/v1/sources')).status, 401);
    assert.equal((await owner()('DELETE', `/api/v1/tokens/${live.body.id}`)).status, 404);
    // The refused uses are in the trail, with why.
    const trail = await owner()<{
      data: { action: string; resourceId?: string; actor: { id: string }; summary: { state: string } }[];
    }>('GET', `/api/v1/audit-events?actor=${live.body.id}`);
    const refused = trail.body.data.filter((e) => e.action === 'auth.token-refused');
    assert.deepEqual(
      refused.map((e) => e.summary.state),
      ['revoked'],
      'six refused requests within ten minutes: one row',
    );
  });

  it('keeps the last Workspace Owner', async () => {
    const members = await owner()<{ data: { userId: string; email: string }[] }>('GET', '/api/v1/members');
    const self = members.body.data.find((m) => m.email === TEST_ADMIN_EMAIL)!;
    const demote = await owner()('PATCH', `/api/v1/members/${self.userId}`, {
      roles: [{ role: 'functions_admin' }],
    });
    assert.equal(demote.status, 409);
    assert.equal(errorCode(demote), 'last_owner');
    assert.equal((await owner()('DELETE', `/api/v1/members/${self.userId}`)).status, 409);
  });

  it('revokes a removed member’s sessions and tokens', async () => {
    const api = owner();
    const added = await api<{ userId: string }>('POST', '/api/v1/members', {
      email: 'leaver@switchyard.test',
      name: 'Leaver',
      password: 'leaver-password-1',
      roles: [{ role: 'functions_admin' }],
    });
    const session = await signIn('leaver@switchyard.test', 'leaver-password-1');
    const token = await browser(session)<{ token: string }>('POST', '/api/v1/tokens', { name: 'cli' });
    assert.equal((await apiClient(server.app, token.body.token)('GET', '/api/v1/functions')).status, 200);
    assert.equal((await api('DELETE', `/api/v1/members/${added.body.userId}`)).status, 204);
    assert.equal((await browser(session)('GET', '/api/v1/functions')).status, 401);
    assert.equal((await apiClient(server.app, token.body.token)('GET', '/api/v1/functions')).status, 401);
    assert.equal((await api('DELETE', `/api/v1/members/${added.body.userId}`)).status, 404);
  });

  it('invites by a one-time link: the invitee sets a password and joins with the roles given', async () => {
    const invitation = await owner()<{ id: string; token: string }>('POST', '/api/v1/invitations', {
      email: 'invitee@switchyard.test',
      roles: [{ role: 'source_admin' }],
    });
    assert.equal(invitation.status, 201);
    const accept = (body: unknown) =>
      server.app.inject({ method: 'POST', url: '/api/v1/invitations/accept', payload: body as object });
    assert.equal((await accept({ token: invitation.body.token, password: 'short' })).statusCode, 400);
    const accepted = await accept({
      token: invitation.body.token,
      name: 'Invitee',
      password: 'invitee-password-1',
    });
    assert.equal(accepted.statusCode, 200, accepted.body);
    assert.equal(
      (await accept({ token: invitation.body.token, password: 'invitee-password-1' })).statusCode,
      404,
    );
    const session = await signIn('invitee@switchyard.test', 'invitee-password-1');
    const me = await browser(session)<{ roles: unknown }>('GET', '/api/v1/me');
    assert.deepEqual(me.body.roles, [{ role: 'source_admin' }]);
  });

  it('refuses oversize and malformed bodies on the people routes', async () => {
    const api = owner();
    const bad: [string, string, unknown][] = [
      ['POST', '/api/v1/members', { email: 'not-an-email', name: 'X', roles: [{ role: 'functions_admin' }] }],
      ['POST', '/api/v1/members', { email: 'a@b.c', name: 'X', roles: [{ role: 'emperor' }] }],
      ['POST', '/api/v1/members', { email: 'a@b.c', name: 'X', roles: [] }],
      [
        'POST',
        '/api/v1/members',
        { email: 'a@b.c', name: 'X', password: 'short', roles: [{ role: 'functions_admin' }] },
      ],
      ['POST', '/api/v1/tokens', { name: 'x'.repeat(201) }],
      ['POST', '/api/v1/tokens', { name: 'x', expiresInDays: 0 }],
      ['POST', '/api/v1/workspaces', { name: '' }],
      ['POST', '/api/v1/workspaces', '{"name":'],
    ];
    for (const [method, url, body] of bad) {
      const answer = await api(method, url, body);
      assert.equal(answer.status, 400, `${url} ${JSON.stringify(body)}: ${JSON.stringify(answer.body)}`);
    }
    assert.equal((await api('GET', '/api/v1/members')).body.data instanceof Array, true);
    // Over the 1 MB body limit: refused before any work, with its own status.
    const huge = await api('POST', '/api/v1/members', {
      email: 'big@x.test',
      name: 'x'.repeat(2 * 1024 * 1024),
      roles: [{ role: 'functions_admin' }],
    });
    assert.equal(huge.status, 413);
    const members = await api<{ data: { email: string }[] }>('GET', '/api/v1/members');
    assert.ok(!members.body.data.some((m) => m.email === 'big@x.test'));
  });
});

describe('workspaces', () => {
  it('creates a workspace owned by the caller; ids of one workspace answer 404 in another', async () => {
    const created = await owner()<{ id: string; token: string }>('POST', '/api/v1/workspaces', {
      name: 'Second',
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const second = apiClient(server.app, created.body.token);
    const listed = await second<{ data: { id: string }[] }>('GET', '/api/v1/workspaces');
    assert.ok(listed.body.data.some((w) => w.id === created.body.id));
    const sources = await second<{ data: unknown[] }>('GET', '/api/v1/sources');
    assert.deepEqual(sources.body.data, []);
    const theirs = await second<{ id: string }>('POST', '/api/v1/functions', {
      displayName: 'Theirs',
      code: CODE,
    });
    assert.equal((await owner()('GET', `/api/v1/functions/${theirs.body.id}`)).status, 404);
    assert.equal((await owner()('DELETE', `/api/v1/functions/${theirs.body.id}`)).status, 404);
    assert.equal((await second('GET', `/api/v1/sources/${server.source.id}`)).status, 404);
    // The session can switch between the user's workspaces.
    const session = await signIn(TEST_ADMIN_EMAIL, TEST_ADMIN_PASSWORD);
    const switched = await browser(session)('POST', '/api/v1/auth/workspace', {
      workspaceId: created.body.id,
    });
    assert.equal(switched.status, 200);
    const fns = await browser(session)<{ data: { id: string }[] }>('GET', '/api/v1/functions');
    assert.deepEqual(
      fns.body.data.map((f) => f.id),
      [theirs.body.id],
    );
  });
});

describe('audit trail and usage', () => {
  it('records changes with who, what and the names of settings, never their values', async () => {
    const api = owner();
    const fn = await api<{ id: string }>('POST', '/api/v1/functions', {
      displayName: 'Audited',
      code: CODE,
      settings: [{ label: 'API Key', type: 'string', sensitive: true }],
    });
    const destination = await api<{ id: string }>('POST', '/api/v1/destinations', {
      name: 'Audited destination',
      functionId: fn.body.id,
      sourceIds: [server.source.id],
      settings: { apiKey: 'sk_live_never_in_the_trail' },
    });
    assert.equal(destination.status, 201, JSON.stringify(destination.body));
    const trail = await api<{
      data: {
        action: string;
        resourceId: string;
        actor: { type: string };
        summary: Record<string, unknown>;
      }[];
    }>('GET', `/api/v1/audit-events?resource=${destination.body.id}`);
    assert.equal(trail.status, 200);
    const event = trail.body.data[0]!;
    assert.equal(event.action, 'destinations.create');
    assert.equal(event.actor.type, 'token');
    assert.deepEqual(event.summary.settingNames, ['apiKey']);
    // One event per change: written with the change, not again when the answer goes out.
    const sourceCreated = await api<{ id: string }>('POST', '/api/v1/sources', { name: 'Audited source' });
    const sourceTrail = await api<{ data: { action: string }[] }>(
      'GET',
      `/api/v1/audit-events?resource=${sourceCreated.body.id}`,
    );
    assert.deepEqual(
      sourceTrail.body.data.map((e) => e.action),
      ['sources.create'],
    );
    const all = await api('GET', '/api/v1/audit-events?limit=500');
    assert.ok(!JSON.stringify(all.body).includes('sk_live_never_in_the_trail'));
    // Append-only: there is no route that edits or removes an event.
    const id = trail.body.data[0]!.resourceId;
    for (const method of ['PUT', 'PATCH', 'DELETE']) {
      assert.equal((await api(method, `/api/v1/audit-events/${id}`, {})).status, 404);
    }
  });

  it('reports execution time and invocations per destination per day', async () => {
    const answer = await owner()<{ totals: { invocations: number }; data: unknown[] }>(
      'GET',
      '/api/v1/usage',
    );
    assert.equal(answer.status, 200);
    assert.equal(typeof answer.body.totals.invocations, 'number');
    assert.equal((await owner()('GET', '/api/v1/usage?since=yesterday')).status, 400);
  });
});
