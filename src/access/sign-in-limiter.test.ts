import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SignInLimiter } from './sign-in-limiter.ts';

describe('SignInLimiter', () => {
  const limits = { windowMs: 60_000, perAccount: 3, perAddress: 5 };

  it('refuses an account after its failures, from any address, until the window passes', () => {
    let now = 1_000_000;
    const limiter = new SignInLimiter(limits, () => now);
    for (let i = 0; i < 3; i++) {
      assert.equal(limiter.retryAfterMs('A@x.test', `10.0.0.${i}`), 0);
      limiter.recordFailure('a@x.test', `10.0.0.${i}`);
    }
    assert.equal(limiter.retryAfterMs('a@x.test', '10.9.9.9'), 60_000);
    now += 30_000;
    assert.equal(limiter.retryAfterMs('a@x.test', '10.9.9.9'), 30_000);
    now += 30_001;
    assert.equal(limiter.retryAfterMs('a@x.test', '10.9.9.9'), 0);
  });

  it('refuses an address that tries many accounts, and a success clears only the account', () => {
    const limiter = new SignInLimiter(limits, () => 5_000);
    for (let i = 0; i < 5; i++) limiter.recordFailure(`user${i}@x.test`, '10.1.1.1');
    assert.ok(limiter.retryAfterMs('someone@x.test', '10.1.1.1') > 0, 'the address is limited');
    assert.equal(limiter.retryAfterMs('someone@x.test', '10.1.1.2'), 0, 'other addresses are not');
    limiter.recordFailure('b@x.test', '10.2.2.2');
    limiter.recordFailure('b@x.test', '10.2.2.2');
    limiter.recordSuccess('b@x.test');
    limiter.recordFailure('b@x.test', '10.2.2.2');
    assert.equal(limiter.retryAfterMs('b@x.test', '10.3.3.3'), 0, 'the count started again after a success');
  });
});
