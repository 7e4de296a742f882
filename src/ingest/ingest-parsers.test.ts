import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppError } from '../server/app-error.ts';
import { IngestParsers } from './ingest-parsers.ts';
import { type TrackingInput, parseTracking } from './parse-tracking.ts';

const request = (body: unknown, extra: Partial<TrackingInput> = {}): TrackingInput => ({
  type: 'batch',
  contentType: 'application/json',
  contentEncoding: undefined,
  body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  authorization: `Basic ${Buffer.from('wk_test:').toString('base64')}`,
  receivedAt: Date.UTC(2026, 10, 28, 10, 0, 0),
  ip: '203.0.113.9',
  ...extra,
});

/** Rows carry a generated messageId when the event has none: the same input needs one to compare. */
const CASES: [string, TrackingInput][] = [
  [
    'a batch with a valid and an invalid event',
    request({
      batch: [
        { type: 'track', event: 'Signed Up', userId: 'u1', messageId: 'm1', properties: { plan: 'pro' } },
        { type: 'track', userId: 'u1', messageId: 'm2' },
        { type: 'nope' },
      ],
      sentAt: '2026-11-28T10:00:00.000Z',
    }),
  ],
  ['a body that is not JSON', request('{"batch": [')],
  [
    'no write key',
    request({ batch: [{ type: 'identify', userId: 'u', messageId: 'm3' }] }, { authorization: undefined }),
  ],
  ['an empty batch', request({ batch: [] })],
  ['a single event', request({ userId: 'u2', event: 'Clicked', messageId: 'm4' }, { type: 'track' })],
  ['an unsupported media type', request({ batch: [] }, { contentType: 'text/html' })],
];

/** Runs `use` with parsers whose thread has started, and closes them after. */
async function withThread(use: (parsers: IngestParsers) => Promise<void>): Promise<void> {
  const parsers = new IngestParsers();
  try {
    assert.equal(await parsers.ready$, true, 'the thread starts');
    await use(parsers);
  } finally {
    await parsers.close();
  }
}

describe('IngestParsers', () => {
  it('answers in its thread exactly as parsing inline does', () =>
    withThread(async (parsers) => {
      for (const [name, input] of CASES) {
        assert.deepEqual(await parsers.parse(input), parseTracking(input), name);
      }
    }));

  it('moves a large body to the thread instead of copying it, with the same answer', () =>
    withThread(async (parsers) => {
      const events = Array.from({ length: 60 }, (_, i) => ({
        type: 'track',
        event: 'Viewed',
        userId: `u${i}`,
        messageId: `big-${i}`,
        properties: { text: 'x'.repeat(200) },
      }));
      const input = request({ batch: events });
      // Buffer.from of a large string owns its memory: the kind of body Fastify hands over.
      assert.equal(input.body!.byteLength, input.body!.buffer.byteLength);
      const expected = parseTracking({ ...input, body: Buffer.from(input.body!) });
      assert.deepEqual(await parsers.parse(input), expected);
      assert.equal(input.body!.byteLength, 0, 'the body was moved (detached here), not cloned');
    }));

  it('refuses with a 503 what a dying thread held, then parses again once a new thread is up', () =>
    withThread(async (parsers) => {
      const [, input] = CASES[0]!;
      // Posted after terminate(): the thread never answers it, and only it had the body.
      void (parsers as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
      await assert.rejects(parsers.parse(input), (error: AppError) => {
        assert.equal(error.status, 503);
        assert.equal(error.details.headers?.['retry-after'], '1');
        return true;
      });
      // Meanwhile requests are parsed inline; the thread comes back a second later.
      assert.deepEqual(await parsers.parse(input), parseTracking(input));
    }));

  it('parses inline what it is given after closing', async () => {
    const parsers = new IngestParsers();
    assert.equal(await parsers.ready$, true);
    await parsers.close();
    const [, input] = CASES[0]!;
    assert.deepEqual(await parsers.parse(input), parseTracking(input));
  });
});
