import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestEvent } from './create-test-event.ts';
import { CLIENT_EVENT_TYPES } from './event-types.ts';
import { validateEvent } from './validate-event.ts';

describe('validateEvent', () => {
  it('accepts every realistic test event', () => {
    for (const type of CLIENT_EVENT_TYPES)
      assert.equal(validateEvent(createTestEvent({ type }), type), undefined);
  });

  it('accepts an anonymous event and numeric ids', () => {
    assert.equal(validateEvent({ anonymousId: 'a', event: 'E' }, 'track'), undefined);
    assert.equal(validateEvent({ userId: 12 }, 'identify'), undefined);
  });

  it('names the first problem', () => {
    assert.deepEqual(validateEvent(null, 'track'), {
      code: 'invalid_event',
      message: 'an event must be a JSON object',
    });
    assert.deepEqual(validateEvent({ userId: 'u', traits: 'x' }, 'identify'), {
      code: 'invalid_type',
      message: 'traits must be an object',
    });
    assert.deepEqual(validateEvent({ userId: Number.NaN }, 'identify'), {
      code: 'invalid_type',
      message: 'userId must be a string',
    });
    assert.deepEqual(validateEvent({ userId: 'u', sentAt: 12 }, 'identify'), {
      code: 'invalid_type',
      message: 'sentAt must be an ISO-8601 date string',
    });
    assert.deepEqual(validateEvent({ userId: 'u', event: '' }, 'track'), {
      code: 'missing_field',
      message: 'event is required for track calls',
    });
  });

  it('allows a messageId of exactly 100 characters and refuses 101', () => {
    assert.equal(validateEvent({ userId: 'u', messageId: 'x'.repeat(100) }, 'identify'), undefined);
    assert.equal(
      validateEvent({ userId: 'u', messageId: 'x'.repeat(101) }, 'identify')?.code,
      'invalid_event',
    );
  });
});
