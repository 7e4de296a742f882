import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RefusalThrottle } from './refusal-throttle.ts';

describe('RefusalThrottle', () => {
  it('records a credential once per window, then says how many refusals went unrecorded', () => {
    const throttle = new RefusalThrottle(1_000);
    assert.deepEqual(throttle.admit('tok_a', 0), { unrecorded: 0 });
    assert.equal(throttle.admit('tok_a', 10), undefined);
    assert.equal(throttle.admit('tok_a', 999), undefined);
    assert.deepEqual(throttle.admit('tok_b', 500), { unrecorded: 0 }, 'each credential has its own window');
    assert.deepEqual(throttle.admit('tok_a', 1_000), { unrecorded: 2 });
    assert.equal(throttle.admit('tok_a', 1_500), undefined);
  });

  it('records the next refusal when the last recording could not be written', () => {
    const throttle = new RefusalThrottle(1_000);
    assert.deepEqual(throttle.admit('tok', 0), { unrecorded: 0 });
    throttle.forget('tok');
    assert.deepEqual(throttle.admit('tok', 10), { unrecorded: 0 });
    assert.equal(throttle.admit('tok', 20), undefined);
  });

  it('forgets the credential recorded longest ago once full', () => {
    const throttle = new RefusalThrottle(1_000, 2);
    throttle.admit('a', 0);
    throttle.admit('b', 1);
    throttle.admit('c', 2);
    assert.equal(throttle.admit('b', 3), undefined, 'still remembered');
    assert.deepEqual(throttle.admit('a', 4), { unrecorded: 0 }, 'forgotten, so recorded again');
  });

  it('hands out each held-back count once: after its window, or all at shutdown', () => {
    const throttle = new RefusalThrottle<string>(1_000);
    throttle.admit('a', 0, 'a0');
    throttle.admit('a', 10, 'a1');
    throttle.admit('a', 20, 'a2');
    throttle.admit('b', 500, 'b0');
    throttle.admit('b', 600, 'b1');
    throttle.admit('c', 700, 'c0'); // recorded, nothing held back
    assert.deepEqual(throttle.takeUnrecorded(999), [], 'no window has ended');
    assert.deepEqual(throttle.takeUnrecorded(1_000), [{ key: 'a', count: 2, last: 'a2' }]);
    assert.deepEqual(throttle.takeUnrecorded(1_001), [], 'handed out once');
    assert.deepEqual(
      throttle.admit('a', 1_002, 'a3'),
      { unrecorded: 0 },
      'counted already: recorded at once',
    );
    assert.deepEqual(throttle.takeUnrecorded(1_003, true), [{ key: 'b', count: 1, last: 'b1' }]);
    // A count the next recorded row takes is not handed out as well.
    throttle.admit('a', 1_500, 'a4');
    assert.deepEqual(throttle.admit('a', 2_002, 'a5'), { unrecorded: 1 });
    assert.deepEqual(throttle.takeUnrecorded(5_000, true), []);
  });

  it('keeps the counts of credentials forgotten for room, or after a failed write', () => {
    const throttle = new RefusalThrottle<string>(1_000, 1);
    throttle.admit('a', 0, 'a0');
    throttle.admit('a', 1, 'a1');
    throttle.admit('b', 2, 'b0'); // a is forgotten to make room
    throttle.admit('b', 3, 'b1');
    throttle.forget('b');
    assert.deepEqual(throttle.takeUnrecorded(4), [
      { key: 'a', count: 1, last: 'a1' },
      { key: 'b', count: 1, last: 'b1' },
    ]);
  });
});
