// The tracking API through Fastify's inject: what is stored for good input, and the exact answer for bad input
// with proof that nothing valid was lost.
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { MAX_BATCH_EVENTS } from '../src/spec/limits.ts';
import { type TestServer, basicAuth, createTestServer } from './helpers/test-server.ts';

let server: TestServer;
before(async () => {
  server = await createTestServer('sqlite');
});
after(() => server.close());

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, unknown>;
}

async function post(
  path: string,
  payload: unknown,
  options: { headers?: Record<string, string>; raw?: Buffer | string; auth?: string | null } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  if (options.auth !== null) headers.authorization = options.auth ?? basicAuth(server.source.writeKey);
  const response = await server.app.inject({
    method: 'POST',
    url: path,
    headers,
    payload: options.raw ?? JSON.stringify(payload),
  });
  return { status: response.statusCode, body: response.json(), headers: response.headers };
}

async function stored(): Promise<Record<string, unknown>[]> {
  return (await server.store.events.recent(server.source.id, 10_000)) as Record<string, unknown>[];
}

async function storedIds(): Promise<Set<string>> {
  return new Set((await stored()).map((e) => e.messageId as string));
}

let counter = 0;
const uniqueId = () => `msg-${process.pid}-${++counter}`;

/** A valid event sent after a bad request must still be stored: the bad one broke nothing. */
async function assertStillAccepting(): Promise<void> {
  const messageId = uniqueId();
  const answer = await post('/v1/track', { userId: 'u1', event: 'Still Works', messageId });
  assert.equal(answer.status, 200);
  assert.ok((await storedIds()).has(messageId));
}

describe('tracking API: what is stored', () => {
  it('stores every single-event route with its type from the route', async () => {
    const routes = {
      identify: { traits: { email: 'a@b.c' } },
      track: { event: 'Clicked' },
      page: { name: 'Home' },
      screen: { name: 'Main' },
      group: { groupId: 'g1' },
      alias: { previousId: 'anon-1' },
    };
    for (const [type, fields] of Object.entries(routes)) {
      const messageId = uniqueId();
      const answer = await post(`/v1/${type}`, { userId: 'u1', messageId, type: 'track', ...fields });
      assert.deepEqual(answer, { status: 200, body: { success: true }, headers: answer.headers });
      const event = (await stored()).find((e) => e.messageId === messageId);
      assert.equal(event?.type, type, `type comes from /v1/${type}, not the body`);
    }
  });

  it("accepts analytics.js's short routes with text/plain and the write key in the body", async () => {
    const letters = { i: 'identify', t: 'track', p: 'page', s: 'screen', g: 'group', a: 'alias' };
    for (const [letter, type] of Object.entries(letters)) {
      const messageId = uniqueId();
      const body = {
        writeKey: server.source.writeKey,
        anonymousId: 'anon-9',
        messageId,
        event: 'E',
        groupId: 'g',
        previousId: 'p',
      };
      const answer = await post(`/v1/${letter}`, body, {
        headers: { 'content-type': 'text/plain;charset=UTF-8' },
        auth: null,
      });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      const event = (await stored()).find((e) => e.messageId === messageId);
      assert.equal(event?.type, type);
      assert.equal(event?.writeKey, undefined, 'the write key is never stored');
    }
    const batch = {
      writeKey: server.source.writeKey,
      batch: [{ type: 'track', anonymousId: 'a', event: 'B', messageId: uniqueId() }],
    };
    assert.equal(
      (await post('/v1/b', batch, { headers: { 'content-type': 'text/plain' }, auth: null })).status,
      200,
    );
  });

  it('normalises as Segment does: messageId, receivedAt, skew-corrected timestamp, context.ip', async () => {
    const before = Date.now();
    // The client clock runs one hour fast: originalTimestamp and sentAt are both an hour ahead.
    const clientNow = before + 3_600_000;
    const answer = await post('/v1/track', {
      userId: 42,
      event: 'Order Completed',
      timestamp: new Date(clientNow - 5_000).toISOString(),
      sentAt: new Date(clientNow).toISOString(),
    });
    assert.equal(answer.status, 200);
    const event = (await stored())[0]!;
    assert.match(event.messageId as string, /^api-[0-9a-f-]{36}$/);
    assert.equal(event.userId, '42', 'numeric ids are stored as strings');
    const receivedAt = Date.parse(event.receivedAt as string);
    assert.ok(receivedAt >= before && receivedAt <= Date.now());
    assert.equal(
      Date.parse(event.timestamp as string),
      receivedAt - 5_000,
      'timestamp = receivedAt − (sentAt − originalTimestamp)',
    );
    assert.equal(event.originalTimestamp, new Date(clientNow - 5_000).toISOString());
    assert.deepEqual(event.context, { ip: '127.0.0.1' });
  });

  it('keeps a timestamp sent without sentAt, and uses the server time when there is none', async () => {
    const historic = '2020-01-02T03:04:05.000Z';
    await post('/v1/track', { userId: 'u', event: 'Old', timestamp: historic, messageId: 'historic-1' });
    await post('/v1/track', { userId: 'u', event: 'Now', messageId: 'now-1' });
    const events = await stored();
    assert.equal(events.find((e) => e.messageId === 'historic-1')?.timestamp, historic);
    const now = events.find((e) => e.messageId === 'now-1')!;
    assert.equal(now.timestamp, now.receivedAt);
  });

  it('merges batch-level context and integrations into each item, the item winning', async () => {
    const ids = [uniqueId(), uniqueId()];
    const answer = await post('/v1/batch', {
      context: { library: { name: 'analytics-node' }, locale: 'en-US', ip: '198.51.100.1' },
      integrations: { All: true, Mixpanel: false },
      batch: [
        { type: 'identify', userId: 'u1', messageId: ids[0], traits: { a: 1 } },
        {
          type: 'track',
          userId: 'u1',
          messageId: ids[1],
          event: 'E',
          context: { locale: 'de-DE' },
          integrations: { Mixpanel: true },
        },
      ],
    });
    assert.deepEqual(answer.body, { success: true });
    const events = await stored();
    const first = events.find((e) => e.messageId === ids[0])!;
    const second = events.find((e) => e.messageId === ids[1])!;
    assert.deepEqual(first.context, {
      library: { name: 'analytics-node' },
      locale: 'en-US',
      ip: '198.51.100.1',
    });
    assert.deepEqual(first.integrations, { All: true, Mixpanel: false });
    assert.deepEqual(second.context, {
      library: { name: 'analytics-node' },
      locale: 'de-DE',
      ip: '198.51.100.1',
    });
    assert.deepEqual(second.integrations, { All: true, Mixpanel: true });
  });

  it('stores a resent batch once (exactly once per source and messageId)', async () => {
    const batch = {
      batch: Array.from({ length: 10 }, () => ({
        type: 'track',
        userId: 'u',
        event: 'E',
        messageId: uniqueId(),
      })),
    };
    const countBefore = await server.store.events.count(server.source.id);
    for (let i = 0; i < 3; i++) assert.equal((await post('/v1/batch', batch)).status, 200);
    assert.equal(await server.store.events.count(server.source.id), countBefore + 10);
  });

  it('accepts gzip-compressed bodies', async () => {
    const messageId = uniqueId();
    const raw = gzipSync(
      JSON.stringify({ batch: [{ type: 'track', userId: 'u', event: 'Zipped', messageId }] }),
    );
    const answer = await post('/v1/batch', undefined, { raw, headers: { 'content-encoding': 'gzip' } });
    assert.equal(answer.status, 200);
    assert.ok((await storedIds()).has(messageId));
  });

  it('answers CORS preflights so that browsers can post', async () => {
    const response = await server.app.inject({
      method: 'OPTIONS',
      url: '/v1/t',
      headers: { origin: 'https://shop.example.com', 'access-control-request-method': 'POST' },
    });
    assert.equal(response.statusCode, 204);
    assert.equal(response.headers['access-control-allow-origin'], 'https://shop.example.com');
  });
});

describe('tracking API: bad input gets its exact answer and loses nothing', () => {
  it('malformed JSON → 400 invalid_json', async () => {
    const before = await server.store.events.count(server.source.id);
    const answer = await post('/v1/batch', undefined, { raw: '{"batch": [{"type": "track",' });
    assert.equal(answer.status, 400);
    assert.equal((answer.body.error as { code: string }).code, 'invalid_json');
    assert.equal(answer.body.success, false);
    assert.equal(await server.store.events.count(server.source.id), before);
    await assertStillAccepting();
  });

  it('an empty body → 400 invalid_json', async () => {
    const answer = await post('/v1/track', undefined, { raw: '' });
    assert.equal(answer.status, 400);
    assert.equal((answer.body.error as { code: string }).code, 'invalid_json');
  });

  it('a content type other than JSON or text → 415 unsupported_media_type', async () => {
    const answer = await post('/v1/track', undefined, {
      raw: 'userId=u1&event=E',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(answer.status, 415);
    assert.deepEqual(answer.body.error, {
      code: 'unsupported_media_type',
      message: 'Content-Type must be application/json or text/plain, got application/x-www-form-urlencoded',
    });
    await assertStillAccepting();
  });

  it('a 33 KB event → 400 event_too_large alone, or rejected by index inside a batch', async () => {
    const big = { userId: 'u', event: 'Big', properties: { blob: 'x'.repeat(33 * 1024) } };
    const single = await post('/v1/track', { ...big, messageId: uniqueId() });
    assert.equal(single.status, 400);
    assert.equal((single.body.error as { code: string }).code, 'event_too_large');

    const small = uniqueId();
    const batch = await post('/v1/batch', {
      batch: [
        { type: 'track', ...big, messageId: uniqueId() },
        { type: 'track', userId: 'u', event: 'Small', messageId: small },
      ],
    });
    assert.equal(batch.status, 200);
    assert.deepEqual(batch.body.rejected, [
      { index: 0, code: 'event_too_large', message: 'the event is 34 KB; at most 32 KB is allowed' },
    ]);
    assert.ok((await storedIds()).has(small), 'the valid item of the batch is stored');
  });

  it('a 501 KB body → 413 payload_too_large, also when it only expands to that size', async () => {
    const before = await server.store.events.count(server.source.id);
    const raw = JSON.stringify({
      batch: [{ type: 'track', userId: 'u', event: 'E', properties: { p: 'x'.repeat(501 * 1024) } }],
    });
    const plain = await post('/v1/batch', undefined, { raw });
    assert.equal(plain.status, 413);
    assert.equal((plain.body.error as { code: string }).code, 'payload_too_large');
    const bomb = await post('/v1/batch', undefined, {
      raw: gzipSync(raw),
      headers: { 'content-encoding': 'gzip' },
    });
    assert.equal(bomb.status, 413);
    assert.equal(await server.store.events.count(server.source.id), before);
    await assertStillAccepting();
  });

  it('2,501 events → 400 batch_too_large, nothing stored', async () => {
    const before = await server.store.events.count(server.source.id);
    const batch = Array.from({ length: MAX_BATCH_EVENTS + 1 }, (_, i) => ({
      type: 'track',
      userId: 'u',
      event: 'E',
      messageId: `over-${i}`,
    }));
    const answer = await post('/v1/batch', { batch });
    assert.equal(answer.status, 400);
    assert.deepEqual(answer.body.error, {
      code: 'batch_too_large',
      message: 'the batch has 2501 events; at most 2500 are allowed',
    });
    assert.equal(await server.store.events.count(server.source.id), before);
  });

  it('missing ids and required fields → 400 naming what is missing', async () => {
    const cases: [string, object, string, string][] = [
      ['/v1/track', { event: 'E' }, 'missing_id', 'userId or anonymousId is required'],
      ['/v1/identify', { userId: '', anonymousId: null }, 'missing_id', 'userId or anonymousId is required'],
      ['/v1/track', { userId: 'u' }, 'missing_field', 'event is required for track calls'],
      ['/v1/group', { userId: 'u' }, 'missing_field', 'groupId is required for group calls'],
      ['/v1/alias', { userId: 'u' }, 'missing_field', 'previousId is required for alias calls'],
    ];
    for (const [path, body, code, message] of cases) {
      const answer = await post(path, body);
      assert.equal(answer.status, 400, `${path} ${JSON.stringify(body)}`);
      assert.deepEqual(answer.body, { success: false, error: { code, message } });
    }
    await assertStillAccepting();
  });

  it('wrong field types → 400 invalid_type naming the field', async () => {
    const cases: [object, string][] = [
      [{ userId: { id: 1 }, event: 'E' }, 'userId must be a string'],
      [{ userId: 'u', event: 42 }, 'event must be a string'],
      [{ userId: 'u', event: 'E', properties: 'cheap' }, 'properties must be an object'],
      [{ userId: 'u', event: 'E', properties: [1, 2] }, 'properties must be an object'],
      [{ userId: 'u', event: 'E', context: 'web' }, 'context must be an object'],
      [{ userId: 'u', event: 'E', timestamp: 'yesterday' }, 'timestamp must be an ISO-8601 date string'],
      [{ userId: 'u', event: 'E', messageId: 7 }, 'messageId must be a string'],
    ];
    for (const [body, message] of cases) {
      const answer = await post('/v1/track', body);
      assert.deepEqual(
        answer.body,
        { success: false, error: { code: 'invalid_type', message } },
        JSON.stringify(body),
      );
      assert.equal(answer.status, 400);
    }
    const notObject = await post('/v1/track', [1, 2, 3]);
    assert.deepEqual(notObject.body.error, {
      code: 'invalid_event',
      message: 'an event must be a JSON object',
    });
  });

  it('an unknown or missing write key → 401, nothing stored', async () => {
    const before = await server.store.events.count(server.source.id);
    const unknown = await post('/v1/track', { userId: 'u', event: 'E' }, { auth: basicAuth('not-a-key') });
    assert.equal(unknown.status, 401);
    assert.equal((unknown.body.error as { code: string }).code, 'invalid_write_key');
    const missing = await post('/v1/track', { userId: 'u', event: 'E' }, { auth: null });
    assert.equal(missing.status, 401);
    assert.equal((missing.body.error as { code: string }).code, 'missing_write_key');
    const bearer = await post(
      '/v1/track',
      { userId: 'u', event: 'E' },
      { auth: `Bearer ${server.source.writeKey}` },
    );
    assert.equal(bearer.status, 401, 'only Basic or the body carries a write key');
    assert.equal(await server.store.events.count(server.source.id), before);
  });

  it('non-UTF-8 bytes → 400 invalid_encoding', async () => {
    const raw = Buffer.concat([
      Buffer.from('{"userId":"u","event":"'),
      Buffer.from([0xc3, 0x28, 0xff]),
      Buffer.from('"}'),
    ]);
    const answer = await post('/v1/track', undefined, { raw });
    assert.equal(answer.status, 400);
    assert.deepEqual(answer.body.error, {
      code: 'invalid_encoding',
      message: 'the request body is not valid UTF-8',
    });
    await assertStillAccepting();
  });

  it('an empty batch, or a batch that is not a list → 400', async () => {
    assert.deepEqual((await post('/v1/batch', { batch: [] })).body.error, {
      code: 'empty_batch',
      message: 'the batch has no events',
    });
    const notList = await post('/v1/batch', { batch: { type: 'track' } });
    assert.equal(notList.status, 400);
    assert.equal((notList.body.error as { code: string }).code, 'invalid_batch');
  });

  it('a messageId over 100 characters → 400 alone, rejected by index in a batch', async () => {
    const huge = 'm'.repeat(101);
    const single = await post('/v1/track', { userId: 'u', event: 'E', messageId: huge });
    assert.equal(single.status, 400);
    assert.deepEqual(single.body.error, {
      code: 'invalid_event',
      message: 'messageId is 101 characters; at most 100 are allowed',
    });
    const ok = uniqueId();
    const batch = await post('/v1/batch', {
      batch: [
        { type: 'track', userId: 'u', event: 'E', messageId: ok },
        { type: 'track', userId: 'u', event: 'E', messageId: huge },
        { type: 'launch', userId: 'u' },
      ],
    });
    assert.equal(batch.status, 200);
    assert.deepEqual(batch.body, {
      success: true,
      rejected: [
        { index: 1, code: 'invalid_event', message: 'messageId is 101 characters; at most 100 are allowed' },
        {
          index: 2,
          code: 'invalid_type',
          message: 'type must be one of identify, track, page, screen, group, alias; got "launch"',
        },
      ],
    });
    assert.ok((await storedIds()).has(ok));
  });

  it('a batch in which no event is valid → 400 invalid_events with every item listed', async () => {
    const answer = await post('/v1/batch', {
      batch: [
        { type: 'track', event: 'E' },
        { type: 'group', userId: 'u' },
      ],
    });
    assert.equal(answer.status, 400);
    assert.deepEqual(answer.body, {
      success: false,
      rejected: [
        { index: 0, code: 'missing_id', message: 'userId or anonymousId is required' },
        { index: 1, code: 'missing_field', message: 'groupId is required for group calls' },
      ],
      error: { code: 'invalid_events', message: 'no event in the batch is valid' },
    });
  });

  it('an unknown path → 404 JSON', async () => {
    const answer = await post('/v1/launch', { userId: 'u' });
    assert.equal(answer.status, 404);
    assert.equal((answer.body.error as { code: string }).code, 'not_found');
  });
});

describe('tracking API: backpressure', () => {
  it('answers 503 with Retry-After when too many events wait for their commit, and accepts the retry', async () => {
    const tiny = await createTestServer('sqlite', { SWITCHYARD_INGEST_MAX_PENDING: '5' });
    try {
      const send = (messageId: string) =>
        tiny.app.inject({
          method: 'POST',
          url: '/v1/batch',
          headers: { 'content-type': 'application/json', authorization: basicAuth(tiny.source.writeKey) },
          payload: {
            batch: [1, 2, 3, 4].map((i) => ({
              type: 'track',
              userId: 'u',
              event: 'E',
              messageId: `${messageId}-${i}`,
            })),
          },
        });
      // Both arrive before the first commit: 4 + 4 events exceed the limit of 5.
      const [first, second] = await Promise.all([send('a'), send('b')]);
      assert.equal(first.statusCode, 200);
      assert.equal(second.statusCode, 503);
      assert.equal(second.headers['retry-after'], '1');
      assert.equal(second.json<{ error: { code: string } }>().error.code, 'unavailable');
      assert.equal(await tiny.store.events.count(tiny.source.id), 4, 'the refused request stored nothing');
      assert.equal((await send('b')).statusCode, 200, 'the retry is accepted');
      assert.equal(await tiny.store.events.count(tiny.source.id), 8);
    } finally {
      await tiny.close();
    }
  });
});
