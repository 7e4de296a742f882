import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileGlob, GlobSyntaxError, matchGlob } from './glob-match.ts';

describe('matchGlob', () => {
  it('* matches any run, including an empty one', () => {
    assert.equal(matchGlob('Order Completed', 'Order*'), true);
    assert.equal(matchGlob('Order', 'Order*'), true);
    assert.equal(matchGlob('Order Completed', '*Comp*'), true);
    assert.equal(matchGlob('Order Completed', '*Refund*'), false);
    assert.equal(matchGlob('', '*'), true);
    assert.equal(matchGlob('abcabd', '*ab?'), true, 'backtracks past an earlier partial match');
  });

  it('? matches exactly one character (code point)', () => {
    assert.equal(matchGlob('cat', 'c?t'), true);
    assert.equal(matchGlob('ct', 'c?t'), false);
    assert.equal(matchGlob('c🚀t', 'c?t'), true);
  });

  it('classes match ranges and lists, ! negates', () => {
    assert.equal(matchGlob('v3', 'v[0-9]'), true);
    assert.equal(matchGlob('vx', 'v[0-9]'), false);
    assert.equal(matchGlob('b', '[abc]'), true);
    assert.equal(matchGlob('b', '[!abc]'), false);
    assert.equal(matchGlob('z', '[!abc]'), true);
    assert.equal(matchGlob(']', '[]]'), true, 'a leading ] is a member');
    assert.equal(matchGlob('-', '[a-]'), true, 'a trailing - is a member');
  });

  it('\\ escapes special characters', () => {
    assert.equal(matchGlob('a*b', 'a\\*b'), true);
    assert.equal(matchGlob('axb', 'a\\*b'), false);
    assert.equal(matchGlob('a?', 'a\\?'), true);
    assert.equal(matchGlob('[x]', '\\[x\\]'), true);
  });

  it('is case-sensitive and anchored at both ends', () => {
    assert.equal(matchGlob('Track', 'track'), false);
    assert.equal(matchGlob('tracked', 'track'), false);
    assert.equal(matchGlob('retrack', 'track'), false);
  });

  it('never matches an invalid pattern', () => {
    assert.equal(matchGlob('[', '['), false);
    assert.equal(matchGlob('a\\', 'a\\'), false);
  });

  it('stays fast on patterns that make backtracking regexes explode', () => {
    const started = performance.now();
    assert.equal(matchGlob('a'.repeat(5_000), `${'*a'.repeat(50)}b`), false);
    assert.ok(performance.now() - started < 1_000);
  });
});

describe('compileGlob', () => {
  it('reports where a pattern is broken', () => {
    const cases: Array<[string, number, RegExp]> = [
      ['ab[cd', 2, /unterminated/],
      ['[z-a]', 0, /invalid range z-a/],
      ['abc\\', 3, /dangling/],
    ];
    for (const [pattern, index, message] of cases) {
      assert.throws(
        () => compileGlob(pattern),
        (error: unknown) =>
          error instanceof GlobSyntaxError && error.index === index && message.test(error.message),
      );
    }
  });
});
