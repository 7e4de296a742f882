import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
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

describe('IngestParsers', () => {
  it('answers in its thread exactly as parsing inline does', async () => {
    const parsers = new IngestParsers();
    try {
      assert.equal(await parsers.ready$, true, 'the thread starts');
      for (const [name, input] of CASES) {
        assert.deepEqual(await parsers.parse(input), parseTracking(input), name);
      }
    } finally {
      await parsers.close();
    }
  });

  it('parses inline what it is given after closing, and what was in flight', async () => {
    const parsers = new IngestParsers();
    assert.equal(await parsers.ready$, true);
    const [, input] = CASES[0]!;
    const inFlight = parsers.parse(input);
    await parsers.close();
    assert.deepEqual(await inFlight, parseTracking(input));
    assert.deepEqual(await parsers.parse(input), parseTracking(input));
  });
});
