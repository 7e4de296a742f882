import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClaimedDelivery } from '../store/delivery-queue.ts';
import { SEGMENT_RETRY_SCHEDULE_MS, settleOutcome } from './settle-outcome.ts';

const delivery = (attempts = 0): ClaimedDelivery => ({
  id: 1,
  eventId: 2,
  destinationId: 'dst',
  attempts,
  body: '{}',
  createdAt: 0,
  leaseUntil: 60_000,
});
const options = { now: 1_000_000, schedule: SEGMENT_RETRY_SCHEDULE_MS, successSample: 0, random: () => 0.5 };
const base = { logs: [], requests: [] };

describe('settleOutcome', () => {
  it('delivers, without keeping the log of an unsampled success', () => {
    const s = settleOutcome(delivery(), { ...base, status: 'delivered' }, 12, options);
    assert.deepEqual(
      [s.state, s.attempts, s.attempt, s.count],
      ['delivered', 1, undefined, { outcome: 'delivered', category: '', durationMs: 12 }],
    );
    assert.ok(
      settleOutcome(delivery(), { ...base, status: 'delivered' }, 12, { ...options, successSample: 1 })
        .attempt,
    );
    // A draw made before the invocation decides, whatever the sample rate says.
    const kept = { ...options, successSample: 0, sampled: true };
    assert.ok(settleOutcome(delivery(), { ...base, status: 'delivered' }, 12, kept).attempt);
    const dropped = { ...options, successSample: 1, sampled: false };
    assert.equal(settleOutcome(delivery(), { ...base, status: 'delivered' }, 12, dropped).attempt, undefined);
    const failed = settleOutcome(delivery(), { ...base, status: 'discarded' }, 12, dropped);
    assert.ok(failed.attempt, 'a failure is kept even when its success would not have been');
  });

  it('discards with the category and keeps the log', () => {
    const s = settleOutcome(
      delivery(),
      {
        ...base,
        status: 'discarded',
        category: 'message_rejected',
        error: { name: 'ValidationError', message: 'no' },
      },
      5,
      options,
    );
    assert.deepEqual(
      [s.state, s.category, s.error, s.attempt?.outcome],
      ['discarded', 'message_rejected', 'ValidationError: no', 'discarded'],
    );
  });

  it('retries on the schedule with jitter, then goes dead after the last retry', () => {
    const retry = {
      ...base,
      status: 'retry' as const,
      category: 'retry' as const,
      error: { name: 'RetryError', message: '503' },
    };
    const first = settleOutcome(delivery(0), retry, 5, options);
    assert.deepEqual([first.state, first.attempts, first.runAt], ['pending', 1, options.now + 10_000]);
    const jittered = settleOutcome(delivery(0), retry, 5, { ...options, random: () => 0 });
    assert.equal(jittered.runAt, options.now + 9_000);
    const ninth = settleOutcome(delivery(8), retry, 5, options);
    assert.deepEqual([ninth.state, ninth.runAt], ['pending', options.now + 5_100_000]);
    const tenth = settleOutcome(delivery(9), retry, 5, options);
    assert.deepEqual([tenth.state, tenth.attempts, tenth.count?.outcome], ['dead', 10, 'dead']);
    const total = SEGMENT_RETRY_SCHEDULE_MS.reduce((a, b) => a + b, 0);
    assert.ok(total > 3.5 * 3_600_000 && total < 4 * 3_600_000, 'about 4 hours');
  });

  it('defers after a 429 with Retry-After without spending an attempt', () => {
    const s = settleOutcome(
      delivery(3),
      { ...base, status: 'retry', category: 'retry', retryAfterMs: 30_000 },
      5,
      options,
    );
    assert.deepEqual(
      [s.state, s.attempts, s.runAt, s.attempt?.outcome],
      ['pending', 3, options.now + 30_000, 'throttled'],
    );
    const capped = settleOutcome(
      delivery(),
      { ...base, status: 'retry', category: 'retry', retryAfterMs: 86_400_000 },
      5,
      options,
    );
    assert.equal(capped.runAt, options.now + 15 * 60_000);
  });
});
