import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normaliseEvent } from './normalise-event.ts';

const receivedAt = Date.parse('2026-11-27T12:00:00.000Z');

describe('normaliseEvent', () => {
  it('sets the type from the route, generates a messageId and drops the write key', () => {
    const event = normaliseEvent(
      { type: 'identify', userId: 'u', writeKey: 'secret' },
      { type: 'track', receivedAt },
    );
    assert.equal(event.type, 'track');
    assert.match(event.messageId, /^api-/);
    assert.equal('writeKey' in event, false);
    assert.equal(event.receivedAt, '2026-11-27T12:00:00.000Z');
  });

  it('keeps a given messageId and turns numeric ids into strings, dropping empty ones', () => {
    const event = normaliseEvent(
      { messageId: 'm-1', userId: 7, anonymousId: '', groupId: 3.5 },
      { type: 'group', receivedAt },
    );
    assert.equal(event.messageId, 'm-1');
    assert.equal(event.userId, '7');
    assert.equal(event.groupId, '3.5');
    assert.equal('anonymousId' in event, false);
  });

  it('corrects client clock skew: timestamp = receivedAt − (sentAt − originalTimestamp)', () => {
    const event = normaliseEvent(
      { userId: 'u', originalTimestamp: '2026-11-27T13:00:00.000Z', sentAt: '2026-11-27T13:00:10.000Z' },
      { type: 'track', receivedAt },
    );
    assert.equal(event.timestamp, '2026-11-27T11:59:50.000Z');
    assert.equal(event.originalTimestamp, '2026-11-27T13:00:00.000Z');
  });

  it("uses the batch's sentAt and the client's timestamp as originalTimestamp (analytics-node)", () => {
    const event = normaliseEvent(
      { userId: 'u', timestamp: '2026-11-27T11:00:00.000Z' },
      { type: 'track', receivedAt, batchSentAt: '2026-11-27T11:00:01.000Z' },
    );
    assert.equal(event.originalTimestamp, '2026-11-27T11:00:00.000Z');
    assert.equal(event.sentAt, '2026-11-27T11:00:01.000Z');
    assert.equal(event.timestamp, '2026-11-27T11:59:59.000Z');
  });

  it('stores every timestamp as toISOString writes it, keeping a client string only when it is that form', () => {
    // Date carries Feb 30 into March and 24:00 into the next day: such strings must not be kept as sent.
    const inputs = [
      '2026-11-27T13:00:00.000Z',
      '2026-02-28T23:59:59.999Z',
      '2024-02-29T10:00:00.000Z',
      '2026-02-29T10:00:00.000Z',
      '2026-02-30T00:00:00.000Z',
      '2026-04-31T12:00:00.000Z',
      '2026-01-31T12:00:00.000Z',
      '2026-11-27T24:00:00.000Z',
      '0000-01-01T00:00:00.000Z',
      '2026-11-27T13:00:00Z',
      '2026-11-27T13:00:00.5Z',
      '2026-11-27T15:00:00.000+02:00',
      '2026-11-27',
      'Fri, 27 Nov 2026 13:00:00 GMT',
    ];
    for (const input of inputs) {
      const expected = new Date(input).toISOString();
      const event = normaliseEvent({ userId: 'u', timestamp: input }, { type: 'track', receivedAt });
      assert.equal(event.timestamp, expected, input);
      assert.equal(event.originalTimestamp, expected, input);
      const skewed = normaliseEvent(
        { userId: 'u', originalTimestamp: input, sentAt: input },
        { type: 'track', receivedAt },
      );
      assert.equal(skewed.originalTimestamp, expected, input);
      assert.equal(skewed.sentAt, expected, input);
      assert.equal(skewed.timestamp, '2026-11-27T12:00:00.000Z', input);
    }
    const unreadable = normaliseEvent(
      { userId: 'u', originalTimestamp: 'soon', timestamp: 'not a date', sentAt: 42 },
      { type: 'track', receivedAt },
    );
    assert.equal(unreadable.timestamp, '2026-11-27T12:00:00.000Z');
  });

  it('falls back to the server time when skew correction leaves the Date range', () => {
    const event = normaliseEvent(
      { userId: 'u', originalTimestamp: '-200000-01-01T00:00:00Z', sentAt: '+200000-01-01T00:00:00Z' },
      { type: 'track', receivedAt },
    );
    assert.equal(event.timestamp, '2026-11-27T12:00:00.000Z');
  });

  it('merges batch context and integrations under the item, and adds context.ip only when absent', () => {
    const merged = normaliseEvent(
      { userId: 'u', context: { locale: 'de' } },
      { type: 'track', receivedAt, batchContext: { locale: 'en', app: { name: 'A' } }, ip: '10.0.0.1' },
    );
    assert.deepEqual(merged.context, { locale: 'de', app: { name: 'A' }, ip: '10.0.0.1' });
    const own = normaliseEvent(
      { userId: 'u', context: { ip: '1.2.3.4' } },
      { type: 'track', receivedAt, ip: '10.0.0.1' },
    );
    assert.deepEqual(own.context, { ip: '1.2.3.4' });
    assert.equal(own.integrations, undefined);
  });
});
