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
});
