// Every management route × every role × in scope / out of scope / another workspace. The table below says
// who may call each route; the test walks all of it and checks that the rest get 403 (or 404 from another
// workspace) with nothing changed. A route missing from the table fails the test.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RoleGrant } from '../src/store/store.ts';
import { type Api, apiClient } from './helpers/api-client.ts';
import { type TestServer, createTestServer } from './helpers/test-server.ts';

const CODE = 'async function onTrack(event) { return event.event }';

type Who = 'O' | 'FA' | 'FAi' | 'FAo' | 'RO' | 'ROi' | 'ROo' | 'SA' | 'SAi' | 'SAo' | 'FS' | 'FSi';

interface Fixture {
  readonly workspace: string;
  readonly fnA: string;
  readonly fnB: string;
  readonly versionA: string;
  readonly sourceS: string;
  readonly sourceT: string;
  readonly destinationD: string;
  readonly victimUser: string;
  readonly victimToken: string;
  readonly invitation: string;
}

/** Each principal is a member with these roles, calling with a personal token. `i`: in scope; `o`: out. */
const GRANTS: Record<Who, (f: Fixture) => RoleGrant[]> = {
  O: () => [{ role: 'workspace_owner' }],
  FA: () => [{ role: 'functions_admin' }],
  FAi: (f) => [{ role: 'functions_admin', resourceIds: [f.fnA] }],
  FAo: (f) => [{ role: 'functions_admin', resourceIds: [f.fnB] }],
  RO: () => [{ role: 'functions_read_only' }],
  ROi: (f) => [{ role: 'functions_read_only', resourceIds: [f.fnA] }],
  ROo: (f) => [{ role: 'functions_read_only', resourceIds: [f.fnB] }],
  SA: () => [{ role: 'source_admin' }],
  SAi: (f) => [{ role: 'source_admin', resourceIds: [f.sourceS] }],
  SAo: (f) => [{ role: 'source_admin', resourceIds: [f.sourceT] }],
  FS: () => [{ role: 'functions_admin' }, { role: 'source_admin' }],
  FSi: (f) => [
    { role: 'functions_admin', resourceIds: [f.fnA] },
    { role: 'source_admin', resourceIds: [f.sourceS] },
  ],
};
const EVERYONE = Object.keys(GRANTS) as Who[];
const FN_LIST: Who[] = ['O', 'FA', 'FAi', 'FAo', 'RO', 'ROi', 'ROo', 'FS', 'FSi'];
const FN_READ_A: Who[] = ['O', 'FA', 'FAi', 'RO', 'ROi', 'FS', 'FSi'];
const FN_WRITE_A: Who[] = ['O', 'FA', 'FAi', 'FS', 'FSi'];
const FN_CREATE: Who[] = ['O', 'FA', 'FS'];
/** Functions Admin on the function and Source Admin on its sources, as Segment requires. */
const CONNECT_A_S: Who[] = ['O', 'FS', 'FSi'];
const SOURCE_CREATE: Who[] = ['O', 'SA', 'FS'];
const SOURCE_READ_S = EVERYONE.filter((who) => who !== 'SAo');
const OWNER: Who[] = ['O'];

interface Entry {
  /** As in /openapi.json. */
  readonly route: string;
  readonly request: (f: Fixture, n: number) => [string, unknown?];
  readonly allow: readonly Who[];
  /** Changes what the fixture holds when allowed: the next check starts from a fresh one. */
  readonly changes?: boolean;
}

const event = { type: 'track', event: 'Matrix', userId: 'u1', properties: {} };
const MATRIX: Entry[] = [
  { route: 'GET /api/v1/me', request: () => ['/api/v1/me'], allow: EVERYONE },
  { route: 'POST /api/v1/auth/sign-out', request: () => ['/api/v1/auth/sign-out'], allow: EVERYONE },
  { route: 'GET /api/v1/workspaces', request: () => ['/api/v1/workspaces'], allow: EVERYONE },
  {
    route: 'POST /api/v1/workspaces',
    request: (_f, n) => ['/api/v1/workspaces', { name: `Own ${n}` }],
    allow: EVERYONE,
  },
  {
    route: 'PATCH /api/v1/workspaces/{id}',
    request: (f) => [`/api/v1/workspaces/${f.workspace}`, { name: 'Renamed' }],
    allow: OWNER,
    changes: true,
  },
  { route: 'GET /api/v1/members', request: () => ['/api/v1/members'], allow: OWNER },
  {
    route: 'POST /api/v1/members',
    request: (_f, n) => [
      '/api/v1/members',
      { email: `new${n}@matrix.test`, name: 'New', roles: [{ role: 'functions_read_only' }] },
    ],
    allow: OWNER,
    changes: true,
  },
  {
    route: 'PATCH /api/v1/members/{userId}',
    request: (f) => [`/api/v1/members/${f.victimUser}`, { roles: [{ role: 'workspace_owner' }] }],
    allow: OWNER,
    changes: true,
  },
  {
    route: 'DELETE /api/v1/members/{userId}',
    request: (f) => [`/api/v1/members/${f.victimUser}`],
    allow: OWNER,
    changes: true,
  },
  {
    route: 'POST /api/v1/invitations',
    request: (_f, n) => [
      '/api/v1/invitations',
      { email: `inv${n}@matrix.test`, roles: [{ role: 'source_admin' }] },
    ],
    allow: OWNER,
    changes: true,
  },
  { route: 'GET /api/v1/invitations', request: () => ['/api/v1/invitations'], allow: OWNER },
  {
    route: 'DELETE /api/v1/invitations/{id}',
    request: (f) => [`/api/v1/invitations/${f.invitation}`],
    allow: OWNER,
    changes: true,
  },
  {
    route: 'POST /api/v1/tokens',
    request: () => ['/api/v1/tokens', { name: 'personal' }],
    allow: EVERYONE,
    changes: true,
  },
  {
    route: 'POST /api/v1/tokens',
    request: () => ['/api/v1/tokens', { name: 'ci', roles: [{ role: 'workspace_owner' }] }],
    allow: OWNER,
    changes: true,
  },
  { route: 'GET /api/v1/tokens', request: () => ['/api/v1/tokens'], allow: EVERYONE },
  {
    route: 'DELETE /api/v1/tokens/{id}',
    request: (f) => [`/api/v1/tokens/${f.victimToken}`],
    allow: OWNER,
    changes: true,
  },
  { route: 'GET /api/v1/audit-events', request: () => ['/api/v1/audit-events'], allow: OWNER },
  { route: 'GET /api/v1/usage', request: () => ['/api/v1/usage'], allow: FN_LIST },
  {
    route: 'POST /api/v1/sources',
    request: () => ['/api/v1/sources', { name: 'New source' }],
    allow: SOURCE_CREATE,
    changes: true,
  },
  { route: 'GET /api/v1/sources', request: () => ['/api/v1/sources'], allow: EVERYONE },
  {
    route: 'GET /api/v1/sources/{id}',
    request: (f) => [`/api/v1/sources/${f.sourceS}`],
    allow: SOURCE_READ_S,
  },
  {
    route: 'GET /api/v1/sources/{id}/sample-events',
    request: (f) => [`/api/v1/sources/${f.sourceS}/sample-events`],
    allow: SOURCE_READ_S,
  },
  {
    route: 'POST /api/v1/functions',
    request: () => ['/api/v1/functions', { displayName: 'New', code: CODE }],
    allow: FN_CREATE,
    changes: true,
  },
  { route: 'GET /api/v1/functions', request: () => ['/api/v1/functions'], allow: FN_LIST },
  { route: 'GET /api/v1/functions/template', request: () => ['/api/v1/functions/template'], allow: FN_LIST },
  {
    route: 'POST /api/v1/functions/test',
    request: () => ['/api/v1/functions/test', { code: CODE, event }],
    allow: ['O', 'FA', 'FAi', 'FAo', 'FS', 'FSi'],
  },
  { route: 'GET /api/v1/functions/{id}', request: (f) => [`/api/v1/functions/${f.fnA}`], allow: FN_READ_A },
  {
    route: 'PATCH /api/v1/functions/{id}',
    request: (f) => [`/api/v1/functions/${f.fnA}`, { description: 'changed' }],
    allow: FN_WRITE_A,
    changes: true,
  },
  {
    route: 'DELETE /api/v1/functions/{id}',
    request: (f) => [`/api/v1/functions/${f.fnA}?force=true`],
    allow: CONNECT_A_S,
    changes: true,
  },
  {
    route: 'GET /api/v1/functions/{id}/versions',
    request: (f) => [`/api/v1/functions/${f.fnA}/versions`],
    allow: FN_READ_A,
  },
  {
    route: 'POST /api/v1/functions/{id}/versions',
    request: (f) => [`/api/v1/functions/${f.fnA}/versions`, { versionId: f.versionA }],
    allow: FN_WRITE_A,
    changes: true,
  },
  {
    route: 'GET /api/v1/functions/{id}/versions/{versionId}',
    request: (f) => [`/api/v1/functions/${f.fnA}/versions/${f.versionA}`],
    allow: FN_READ_A,
  },
  {
    route: 'GET /api/v1/functions/{id}/versions/{from}/diff/{to}',
    request: (f) => [`/api/v1/functions/${f.fnA}/versions/${f.versionA}/diff/${f.versionA}`],
    allow: FN_READ_A,
  },
  {
    route: 'POST /api/v1/functions/{id}/deploy',
    request: (f) => [`/api/v1/functions/${f.fnA}/deploy`, {}],
    allow: CONNECT_A_S,
    changes: true,
  },
  {
    route: 'POST /api/v1/functions/{id}/test',
    request: (f) => [`/api/v1/functions/${f.fnA}/test`, { event, settings: {} }],
    allow: FN_WRITE_A,
  },
  {
    route: 'PUT /api/v1/functions/{id}/test-settings',
    request: (f) => [`/api/v1/functions/${f.fnA}/test-settings`, { settings: {} }],
    allow: FN_WRITE_A,
    changes: true,
  },
  {
    route: 'POST /api/v1/destinations',
    request: (f) => [
      '/api/v1/destinations',
      { name: 'New', functionId: f.fnA, sourceIds: [f.sourceS], settings: {} },
    ],
    allow: CONNECT_A_S,
    changes: true,
  },
  { route: 'GET /api/v1/destinations', request: () => ['/api/v1/destinations'], allow: FN_LIST },
  {
    route: 'GET /api/v1/destinations/{id}',
    request: (f) => [`/api/v1/destinations/${f.destinationD}`],
    allow: FN_READ_A,
  },
  {
    route: 'PATCH /api/v1/destinations/{id}',
    request: (f) => [`/api/v1/destinations/${f.destinationD}`, { name: 'Renamed' }],
    allow: FN_WRITE_A,
    changes: true,
  },
  {
    route: 'DELETE /api/v1/destinations/{id}',
    request: (f) => [`/api/v1/destinations/${f.destinationD}`],
    allow: CONNECT_A_S,
    changes: true,
  },
  {
    route: 'PUT /api/v1/destinations/{id}/filters',
    request: (f) => [`/api/v1/destinations/${f.destinationD}/filters`, []],
    allow: FN_WRITE_A,
    changes: true,
  },
  {
    route: 'GET /api/v1/destinations/{id}/filters',
    request: (f) => [`/api/v1/destinations/${f.destinationD}/filters`],
    allow: FN_READ_A,
  },
  {
    route: 'POST /api/v1/destinations/{id}/filters/preview',
    request: (f) => [`/api/v1/destinations/${f.destinationD}/filters/preview`, { event }],
    allow: FN_READ_A,
  },
  {
    route: 'GET /api/v1/destinations/{id}/deliveries',
    request: (f) => [`/api/v1/destinations/${f.destinationD}/deliveries`],
    allow: FN_READ_A,
  },
  {
    route: 'GET /api/v1/destinations/{id}/deliveries/{deliveryId}',
    request: (f) => [`/api/v1/destinations/${f.destinationD}/deliveries/999999`],
    allow: FN_READ_A,
  },
  {
    route: 'GET /api/v1/destinations/{id}/stats',
    request: (f) => [`/api/v1/destinations/${f.destinationD}/stats`],
    allow: FN_READ_A,
  },
  {
    route: 'POST /api/v1/destinations/{id}/replay',
    request: (f) => [`/api/v1/destinations/${f.destinationD}/replay`, {}],
    allow: CONNECT_A_S,
    changes: true,
  },
  {
    route: 'POST /api/v1/regulations',
    request: () => ['/api/v1/regulations', { userIds: ['someone'] }],
    allow: SOURCE_CREATE,
    changes: true,
  },
];
/** Routes outside the matrix, and why. */
const NOT_ROLE_CHECKED: Record<string, string> = {
  'POST /api/v1/auth/sign-in': 'public: it is how a caller gets credentials',
  'POST /api/v1/invitations/accept': 'public: the invitation token is the credential',
  'POST /api/v1/auth/workspace': 'sessions only (tested in access-api.test.ts); a token has one workspace',
};

let server: TestServer;
let owner: Api;
let stranger: Api;
let people = 0;
before(async () => {
  server = await createTestServer('sqlite');
  owner = apiClient(server.app);
  const other = await owner<{ token: string }>('POST', '/api/v1/workspaces', { name: 'Elsewhere' });
  stranger = apiClient(server.app, other.body.token);
});
after(() => server.close());

async function member(roles: RoleGrant[]): Promise<Api> {
  const store = server.store;
  const userId = await store.people.createUser({
    email: `p${++people}@matrix.test`,
    name: 'P',
    passwordHash: null,
  });
  await store.people.addMember(server.workspaceId, userId, roles);
  const { token } = await store.access.createToken({
    workspaceId: server.workspaceId,
    userId,
    name: 'matrix',
  });
  return apiClient(server.app, token);
}

async function fixture(): Promise<{ fixture: Fixture; principals: Record<Who, Api> }> {
  const created = async (method: string, url: string, body: unknown) => {
    const answer = await owner<{ id: string; userId: string; version?: { id: string } }>(method, url, body);
    assert.ok(answer.status < 300, `${url}: ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
  const fnA = await created('POST', '/api/v1/functions', { displayName: 'A', code: CODE });
  const fnB = await created('POST', '/api/v1/functions', { displayName: 'B', code: CODE });
  const versions = await owner<{ data: { id: string }[] }>('GET', `/api/v1/functions/${fnA.id}/versions`);
  const sourceS = await created('POST', '/api/v1/sources', { name: 'S' });
  const sourceT = await created('POST', '/api/v1/sources', { name: 'T' });
  const destination = await created('POST', '/api/v1/destinations', {
    name: 'D',
    functionId: fnA.id,
    sourceIds: [sourceS.id],
    settings: {},
  });
  const victim = await created('POST', '/api/v1/members', {
    email: `victim${++people}@matrix.test`,
    name: 'Victim',
    roles: [{ role: 'functions_read_only' }],
  });
  const victimToken = await created('POST', '/api/v1/tokens', {
    name: 'victim',
    roles: [{ role: 'source_admin' }],
  });
  const invitation = await created('POST', '/api/v1/invitations', {
    email: `invitee${people}@matrix.test`,
    roles: [{ role: 'source_admin' }],
  });
  const f: Fixture = {
    workspace: server.workspaceId,
    fnA: fnA.id,
    fnB: fnB.id,
    versionA: versions.body.data[0]!.id,
    sourceS: sourceS.id,
    sourceT: sourceT.id,
    destinationD: destination.id,
    victimUser: victim.userId,
    victimToken: victimToken.id,
    invitation: invitation.id,
  };
  const principals = {} as Record<Who, Api>;
  for (const who of EVERYONE) principals[who] = await member(GRANTS[who](f));
  return { fixture: f, principals };
}

/** What the owner sees of the fixture: a denied call must leave all of it as it was. */
async function snapshot(f: Fixture): Promise<string> {
  const urls = [
    `/api/v1/functions/${f.fnA}`,
    `/api/v1/functions/${f.fnA}/versions`,
    `/api/v1/destinations/${f.destinationD}`,
    `/api/v1/destinations/${f.destinationD}/filters`,
    `/api/v1/sources/${f.sourceS}`,
    '/api/v1/functions?limit=200',
    '/api/v1/destinations?limit=200',
    '/api/v1/sources?limit=200',
    '/api/v1/members',
    '/api/v1/invitations',
  ];
  const parts = await Promise.all(urls.map(async (url) => JSON.stringify((await owner('GET', url)).body)));
  const tokens = await owner<{ data: { id: string; revokedAt: string | null }[] }>('GET', '/api/v1/tokens');
  parts.push(JSON.stringify(tokens.body.data.map((t) => [t.id, t.revokedAt])));
  return parts.join('\n');
}

const methodOf = (route: string) => route.split(' ')[0]!;

describe('role matrix', () => {
  it('names every management route', async () => {
    const doc = (await server.app.inject({ method: 'GET', url: '/openapi.json' })).json<{
      paths: Record<string, Record<string, unknown>>;
    }>();
    const routes = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/api/v1/'))
      .flatMap(([path, operations]) => Object.keys(operations).map((m) => `${m.toUpperCase()} ${path}`));
    const covered = new Set([...MATRIX.map((e) => e.route), ...Object.keys(NOT_ROLE_CHECKED)]);
    assert.deepEqual(
      routes.filter((route) => !covered.has(route)),
      [],
      'routes missing from the matrix',
    );
  });

  it('allows exactly the roles the table names, and refuses the rest with 403 and no change', async () => {
    let current = await fixture();
    let n = 0;
    const failures: string[] = [];
    for (const entry of MATRIX) {
      for (const who of EVERYONE) {
        const [url, body] = entry.request(current.fixture, ++n);
        const method = methodOf(entry.route);
        const allowed = entry.allow.includes(who);
        const before = allowed ? '' : await snapshot(current.fixture);
        const answer = await current.principals[who](method, url, body);
        const label = `${entry.route} as ${who}`;
        if (allowed) {
          if (answer.status === 401 || answer.status === 403 || answer.status >= 500)
            failures.push(`${label}: expected allowed, got ${answer.status} ${JSON.stringify(answer.body)}`);
          if (entry.changes || method === 'DELETE') current = await fixture();
        } else {
          if (answer.status !== 403) failures.push(`${label}: expected 403, got ${answer.status}`);
          else if ((await snapshot(current.fixture)) !== before)
            failures.push(`${label}: denied but changed`);
        }
      }
    }
    assert.deepEqual(failures, []);
  });

  it('answers 404 to another workspace’s owner on every route that names a resource, and changes nothing', async () => {
    const { fixture: f } = await fixture();
    const failures: string[] = [];
    let n = 0;
    for (const entry of MATRIX.filter((e) => /\{/.test(e.route))) {
      const before = await snapshot(f);
      const [url, body] = entry.request(f, ++n);
      const answer = await stranger(methodOf(entry.route), url, body);
      if (answer.status !== 404) failures.push(`${entry.route}: expected 404, got ${answer.status}`);
      else if ((await snapshot(f)) !== before) failures.push(`${entry.route}: changed something`);
    }
    // Creating with another workspace's ids: the function and sources are not found there either.
    const create = await stranger('POST', '/api/v1/destinations', {
      name: 'Theirs',
      functionId: f.fnA,
      sourceIds: [f.sourceS],
      settings: {},
    });
    if (create.status !== 404) failures.push(`POST /api/v1/destinations with foreign ids: ${create.status}`);
    assert.deepEqual(failures, []);
  });
});
