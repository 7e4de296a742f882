import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keepsSample, sampleBucket } from './sample-event.ts';

const never = (): number => assert.fail('random must not be used');

describe('sampleBucket', () => {
  it('is stable and in [0, 1)', () => {
    assert.equal(sampleBucket('user-1'), sampleBucket('user-1'));
    assert.notEqual(sampleBucket('user-1'), sampleBucket('user-2'));
    for (const value of ['a', 1, null, { a: 1 }, [1]]) {
      const bucket = sampleBucket(value);
      assert.ok(bucket >= 0 && bucket < 1);
    }
    // The JSON is hashed, so the number 1 and the string "1" are different users.
    assert.notEqual(sampleBucket(1), sampleBucket('1'));
    assert.equal(sampleBucket(undefined), sampleBucket(null));
  });
});

describe('keepsSample', () => {
  it('by path: the same user always gets the same decision', () => {
    for (let i = 0; i < 50; i += 1) {
      const userId = `user-${i}`;
      const first = keepsSample({ userId, n: 1 }, 0.5, 'userId', never);
      for (let j = 0; j < 5; j += 1) {
        assert.equal(keepsSample({ userId, n: j, other: 'x' }, 0.5, 'userId', never), first);
      }
    }
  });

  it('by path: keeps roughly percent of 1,000 distinct users', () => {
    for (const percent of [0.1, 0.5, 0.9]) {
      let kept = 0;
      for (let i = 0; i < 1_000; i += 1) {
        if (keepsSample({ userId: `user-${i}` }, percent, 'userId', never)) kept += 1;
      }
      // Binomial standard deviation at 1,000 draws is at most ~16; allow about 4 of them.
      assert.ok(Math.abs(kept - percent * 1_000) <= 60, `kept ${kept} at ${percent}`);
    }
  });

  it('by path: a smaller sample is a subset of a larger one', () => {
    for (let i = 0; i < 200; i += 1) {
      const event = { userId: `user-${i}` };
      if (keepsSample(event, 0.2, 'userId', never))
        assert.equal(keepsSample(event, 0.6, 'userId', never), true);
    }
  });

  it('by path: reads nested paths', () => {
    const a = { context: { traits: { id: 'x' } } };
    assert.equal(keepsSample(a, 0.5, 'context.traits.id', never), sampleBucket('x') < 0.5);
  });

  it('without a path: compares the random source with percent', () => {
    assert.equal(
      keepsSample({}, 0.3, undefined, () => 0.29),
      true,
    );
    assert.equal(
      keepsSample({}, 0.3, undefined, () => 0.3),
      false,
    );
  });

  it('0 and 1 are absolute and need no randomness', () => {
    assert.equal(keepsSample({}, 1, undefined, never), true);
    assert.equal(keepsSample({}, 0, undefined, never), false);
    assert.equal(keepsSample({ userId: 'u' }, 0, 'userId', never), false);
  });
});
