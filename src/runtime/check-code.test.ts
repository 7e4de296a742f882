import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkCode } from './check-code.ts';

describe('checkCode', () => {
  it('lists the handlers the code defines', () => {
    const check = checkCode(
      'async function onTrack() {}\nconst onIdentify = async () => {}\nfunction helper() {}',
    );
    assert.deepEqual(check, { ok: true, handlers: ['onIdentify', 'onTrack'] });
  });

  it('gives a syntax error with its line and column', () => {
    assert.deepEqual(checkCode('async function onTrack() {\n  let = = 1\n}'), {
      ok: false,
      error: { kind: 'syntax', name: 'SyntaxError', message: "Unexpected token '='", line: 2, column: 9 },
    });
  });

  it('gives an error thrown by the top level, with where', () => {
    const check = checkCode('\nnull.x\nasync function onTrack() {}');
    assert.equal(check.ok, false);
    if (!check.ok)
      assert.deepEqual([check.error.kind, check.error.name, check.error.line], ['load', 'TypeError', 2]);
  });

  it('refuses imports and exports: functions are plain scripts, as in Segment', () => {
    const check = checkCode("import x from 'y'\nasync function onTrack() {}");
    assert.equal(check.ok, false);
    assert.equal(checkCode('export async function onTrack() {}').ok, false);
  });
});
