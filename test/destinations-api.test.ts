// /api/v1/destinations and deploy: setting values validated against the version, sensitive values encrypted
// at rest and masked in answers, Save vs Save & Deploy, test runs from the editor.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestEvent } from '../src/spec/create-test-event.ts';
import { type Api, apiClient, errorCode } from './helpers/api-client.ts';
import { type HttpSink, startHttpSink } from './helpers/http-sink.ts';
import { type TestServer, createTestServer } from './helpers/test-server.ts';
import { DIALECTS, skipReason } from './helpers/test-stores.ts';

const SECRET = 'sk_live_supersecret_4321';
const CODE = `async function onTrack(event, settings) {
  console.log('key', settings.apiKey, 'region', settings.region);
  const res = await fetch(settings.url, { method: 'POST', headers: { authorization: 'Bearer ' + settings.apiKey }, body: JSON.stringify(event) });
  if (!res.ok) throw new RetryError('status ' + res.status);
}`;
const SETTINGS = [
  { label: 'API Key', type: 'string', required: true, sensitive: true },
  { label: 'Region', type: 'string' },
  { label: 'URL', type: 'string', required: true },
  { label: 'Tags', type: 'array' },
  { label: 'Headers', type: 'textMap', sensitive: true },
  { label: 'Verbose', type: 'boolean' },
];

interface Destination {
  id: string;
  versionId: string;
  versionNumber: number;
  settings: Record<string, unknown>;
  sourceIds: string[];
  enabled: boolean;
}

for (const dialect of DIALECTS) {
  describe(`destinations on ${dialect}`, { skip: skipReason(dialect) }, () => {
    let server: TestServer;
    let api: Api;
    let sink: HttpSink;
    let functionId = '';
    before(async () => {
      server = await createTestServer(dialect, { SWITCHYARD_FETCH_ALLOW: '127.0.0.1' });
      api = apiClient(server.app);
      sink = await startHttpSink();
      const fn = await api<{ id: string }>('POST', '/api/v1/functions', {
        displayName: 'Webhook',
        code: CODE,
        settings: SETTINGS,
      });
      assert.equal(fn.status, 201);
      functionId = fn.body.id;
    });
    after(async () => {
      await sink.close();
      await server.close();
    });

    const values = () => ({
      apiKey: SECRET,
      region: 'eu',
      url: `${sink.url}/hook`,
      tags: ['a'],
      headers: { 'x-token': 'hdr-secret-value' },
      verbose: true,
    });

    it('creates a destination on LATEST with sensitive values masked in every answer', async () => {
      const created = await api<Destination>('POST', '/api/v1/destinations', {
        name: 'Production',
        functionId,
        sourceIds: [server.source.id],
        settings: values(),
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.versionNumber, 1);
      assert.deepEqual(created.body.settings, {
        apiKey: '••••4321',
        region: 'eu',
        url: `${sink.url}/hook`,
        tags: ['a'],
        headers: { 'x-token': '••••alue' },
        verbose: true,
      });
      assert.equal(created.body.enabled, true);
      const read = await api('GET', `/api/v1/destinations/${created.body.id}`);
      assert.ok(!JSON.stringify(read.body).includes(SECRET));
      const list = await api('GET', '/api/v1/destinations');
      assert.ok(!JSON.stringify(list.body).includes(SECRET));
    });

    it('never stores a secret in plaintext (database files and dump searched)', async () => {
      const created = await api<Destination>('POST', '/api/v1/destinations', {
        name: 'Secretive',
        functionId,
        settings: values(),
      });
      assert.equal(created.status, 201);
      await api('PUT', `/api/v1/functions/${functionId}/test-settings`, {
        settings: { apiKey: `${SECRET}-test` },
      });
      let haystack: string;
      if (dialect === 'sqlite') {
        haystack = readdirSync(server.config.dataDir)
          .filter((f) => f.startsWith('switchyard.db'))
          .map((f) => readFileSync(path.join(server.config.dataDir, f)).toString('latin1'))
          .join('\n');
      } else {
        haystack = execFileSync('pg_dump', ['--data-only', server.config.databaseUrl ?? ''], {
          encoding: 'utf8',
        });
      }
      assert.ok(haystack.includes('Secretive'), 'the search looked at the right data');
      assert.ok(!haystack.includes(SECRET), 'the secret is not in the database');
      assert.ok(!haystack.includes('hdr-secret-value'));
    });

    it('validates values against the version: required, types, unknown names — naming the setting', async () => {
      const cases: [Record<string, unknown>, string, string][] = [
        [{ region: 'eu', url: 'x' }, 'settings.apiKey', 'API Key (apiKey) is required'],
        [{ ...values(), verbose: 'yes' }, 'settings.verbose', 'verbose must be a boolean'],
        [{ ...values(), tags: 'a,b' }, 'settings.tags', 'tags must be an array of strings'],
        [
          { ...values(), headers: { a: 1 } },
          'settings.headers',
          'headers must be an object of string values',
        ],
        [{ ...values(), colour: 'red' }, 'settings.colour', 'colour is not a setting of this function'],
      ];
      for (const [settings, field, message] of cases) {
        const answer = await api('POST', '/api/v1/destinations', { name: 'Bad', functionId, settings });
        assert.deepEqual(
          [answer.status, answer.body.error],
          [400, { code: 'invalid_settings', message, field }],
        );
      }
      const unknownFunction = await api('POST', '/api/v1/destinations', {
        name: 'X',
        functionId: 'fn_nope',
        settings: values(),
      });
      assert.deepEqual(
        [unknownFunction.status, (unknownFunction.body.error as { field: string }).field],
        [404, 'functionId'],
      );
      const unknownSource = await api('POST', '/api/v1/destinations', {
        name: 'X',
        functionId,
        sourceIds: ['src_nope'],
        settings: values(),
      });
      assert.deepEqual(
        [unknownSource.status, (unknownSource.body.error as { field: string }).field],
        [404, 'sourceIds[0]'],
      );
    });

    it('keeps a masked value on update and replaces a new one', async () => {
      const created = await api<Destination>('POST', '/api/v1/destinations', {
        name: 'Keep',
        functionId,
        settings: values(),
      });
      const kept = await api<Destination>('PATCH', `/api/v1/destinations/${created.body.id}`, {
        settings: { ...created.body.settings, region: 'us' },
      });
      assert.equal(kept.status, 200, JSON.stringify(kept.body));
      assert.deepEqual([kept.body.settings.apiKey, kept.body.settings.region], ['••••4321', 'us']);
      // The stored value is still the real one: a test through the destination's values would show it reaching the sink.
      const changed = await api<Destination>('PATCH', `/api/v1/destinations/${created.body.id}`, {
        settings: { ...created.body.settings, apiKey: 'sk_new_value_9999' },
      });
      assert.equal(changed.body.settings.apiKey, '••••9999');
      const disabled = await api<Destination>('PATCH', `/api/v1/destinations/${created.body.id}`, {
        enabled: false,
        sourceIds: [server.source.id],
      });
      assert.deepEqual([disabled.body.enabled, disabled.body.sourceIds], [false, [server.source.id]]);
    });

    it('Save changes nothing that runs; Save & Deploy moves the chosen destinations', async () => {
      const a = await api<Destination>('POST', '/api/v1/destinations', {
        name: 'A',
        functionId,
        settings: values(),
      });
      const b = await api<Destination>('POST', '/api/v1/destinations', {
        name: 'B',
        functionId,
        settings: values(),
      });
      const saved = await api<{ version: { id: string; number: number } }>(
        'PATCH',
        `/api/v1/functions/${functionId}`,
        {
          code: `${CODE}\n// v2`,
        },
      );
      const v2 = saved.body.version;
      assert.equal(
        (await api<Destination>('GET', `/api/v1/destinations/${a.body.id}`)).body.versionId,
        a.body.versionId,
        'Save deploys nothing',
      );

      const deployed = await api('POST', `/api/v1/functions/${functionId}/deploy`, {
        destinationIds: [a.body.id],
      });
      assert.deepEqual(deployed, {
        status: 200,
        body: { versionId: v2.id, versionNumber: v2.number, deployed: [a.body.id] },
      });
      assert.equal(
        (await api<Destination>('GET', `/api/v1/destinations/${a.body.id}`)).body.versionId,
        v2.id,
      );
      assert.equal(
        (await api<Destination>('GET', `/api/v1/destinations/${b.body.id}`)).body.versionId,
        b.body.versionId,
      );

      const versions = await api<{ data: { id: string; deployedTo: string[] }[] }>(
        'GET',
        `/api/v1/functions/${functionId}/versions`,
      );
      assert.ok(versions.body.data.find((v) => v.id === v2.id)?.deployedTo.includes(a.body.id));

      // A new required setting: deploying to destinations without a value is refused, nothing moves.
      await api('PATCH', `/api/v1/functions/${functionId}`, {
        settings: [...SETTINGS, { label: 'Account', type: 'string', required: true }],
      });
      const refused = await api('POST', `/api/v1/functions/${functionId}/deploy`, {});
      assert.equal(refused.status, 400);
      assert.match(
        (refused.body.error as { field: string }).field,
        /^destinations\.dst_\w+\.settings\.account$/,
      );
      assert.equal(
        (await api<Destination>('GET', `/api/v1/destinations/${a.body.id}`)).body.versionId,
        v2.id,
        'nothing moved',
      );
      const foreign = await api('POST', `/api/v1/functions/${functionId}/deploy`, {
        destinationIds: ['dst_nope'],
      });
      assert.equal(foreign.status, 404);
      // A removed setting does not block a deploy: its value is dropped; a newly sensitive one is sealed.
      const fewer = SETTINGS.filter((d) => d.label !== 'Verbose').map((d) =>
        d.label === 'Region' ? { ...d, sensitive: true } : d,
      );
      await api('PATCH', `/api/v1/functions/${functionId}`, { settings: fewer });
      const slimmer = await api('POST', `/api/v1/functions/${functionId}/deploy`, {
        destinationIds: [a.body.id],
      });
      assert.equal(slimmer.status, 200, JSON.stringify(slimmer.body));
      const after = await api<Destination>('GET', `/api/v1/destinations/${a.body.id}`);
      assert.equal(after.body.settings.verbose, undefined);
      assert.equal(after.body.settings.region, '••••', 'region is sensitive now');
      // Restore the schema for the tests that follow.
      await api('PATCH', `/api/v1/functions/${functionId}`, { settings: SETTINGS });
    });

    it('test-runs saved code or a draft on an event, with test settings; nothing is stored', async () => {
      sink.handle((_request, response) => response.end('{}'));
      const before = sink.requests.length;
      const run = await api<{
        status: string;
        logs: { message: string }[];
        requests: { status: number; requestHeaders: Record<string, string> }[];
      }>('POST', `/api/v1/functions/${functionId}/test`, {
        event: createTestEvent(),
        settings: { apiKey: SECRET, url: `${sink.url}/test` },
      });
      assert.equal(run.status, 200, JSON.stringify(run.body));
      assert.equal(run.body.status, 'delivered');
      assert.deepEqual(
        run.body.logs.map((l) => l.message),
        ['key [redacted] region undefined'],
      );
      assert.equal(run.body.requests[0]?.status, 200);
      assert.equal(run.body.requests[0]?.requestHeaders.authorization, '[redacted]');
      assert.equal(sink.requests.length, before + 1);
      assert.equal(sink.requests.at(-1)?.headers.authorization, `Bearer ${SECRET}`);

      const draft = await api<{ status: string; category: string; error: { message: string } }>(
        'POST',
        `/api/v1/functions/${functionId}/test`,
        {
          event: createTestEvent(),
          code: 'async function onTrack() { throw new ValidationError("draft says no") }',
        },
      );
      assert.deepEqual(
        [draft.body.status, draft.body.category, draft.body.error.message],
        ['discarded', 'message_rejected', 'draft says no'],
      );
      const broken = await api<{ category: string }>('POST', `/api/v1/functions/${functionId}/test`, {
        event: createTestEvent(),
        code: 'function (',
      });
      assert.equal(broken.body.category, 'invalid_settings');
      const neither = await api('POST', `/api/v1/functions/${functionId}/test`, {});
      assert.equal(errorCode(neither), 'invalid_request');
      const batch = await api<{ events: unknown[] }>('POST', `/api/v1/functions/${functionId}/test`, {
        events: [createTestEvent()],
        code: 'async function onBatch(events) { return events.map(() => ({ status: 200 })) }',
      });
      assert.deepEqual(batch.body.events, [{ status: 'delivered' }]);
    });

    it("another workspace's ids answer 404 and change nothing", async () => {
      const access = server.store.access;
      const userId = await access.createUser({ email: `other-${dialect}@example.com`, name: 'Other' });
      const workspaceId = await access.createWorkspace({ name: 'Other', ownerUserId: userId });
      const { token } = await access.createToken({ workspaceId, userId, name: 'other' });
      const theirs = apiClient(server.app, token);
      const destination = await api<Destination>('POST', '/api/v1/destinations', {
        name: 'Mine',
        functionId,
        settings: values(),
      });
      for (const [method, url, body] of [
        ['GET', `/api/v1/functions/${functionId}`],
        ['PATCH', `/api/v1/functions/${functionId}`, { displayName: 'Hijacked' }],
        ['DELETE', `/api/v1/functions/${functionId}?force=true`],
        ['POST', `/api/v1/functions/${functionId}/test`, { event: createTestEvent() }],
        ['POST', `/api/v1/functions/${functionId}/deploy`, {}],
        ['GET', `/api/v1/functions/${functionId}/versions`],
        ['GET', `/api/v1/destinations/${destination.body.id}`],
        ['PATCH', `/api/v1/destinations/${destination.body.id}`, { enabled: false }],
        ['DELETE', `/api/v1/destinations/${destination.body.id}`],
        ['POST', '/api/v1/destinations', { name: 'X', functionId, settings: values() }],
      ] as const) {
        const answer = await theirs(method, url, body);
        assert.equal(answer.status, 404, `${method} ${url}`);
      }
      assert.equal(
        (await api<{ displayName: string }>('GET', `/api/v1/functions/${functionId}`)).body.displayName,
        'Webhook',
      );
      assert.equal(
        (await api<Destination>('GET', `/api/v1/destinations/${destination.body.id}`)).body.enabled,
        true,
      );
    });

    it('deletes a destination', async () => {
      const created = await api<Destination>('POST', '/api/v1/destinations', {
        name: 'Temp',
        functionId,
        settings: values(),
      });
      assert.equal((await api('DELETE', `/api/v1/destinations/${created.body.id}`)).status, 204);
      assert.equal((await api('GET', `/api/v1/destinations/${created.body.id}`)).status, 404);
      assert.equal((await api('DELETE', `/api/v1/destinations/${created.body.id}`)).status, 404);
    });
  });
}
