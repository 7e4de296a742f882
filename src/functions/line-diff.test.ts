import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffLines } from './line-diff.ts';

const render = (before: string, after: string) => diffLines(before, after).map((l) => `${l.op}${l.text}`);

describe('diffLines', () => {
  it('marks changed, added and removed lines with their line numbers', () => {
    assert.deepEqual(render('a\nb\nc\nd', 'a\nB\nc\nd\ne'), [' a', '-b', '+B', ' c', ' d', '+e']);
    const lines = diffLines('x\ny', 'y');
    assert.deepEqual(lines, [
      { op: '-', text: 'x', oldLine: 1 },
      { op: ' ', text: 'y', oldLine: 2, newLine: 1 },
    ]);
  });

  it('finds the longest common part in a reordering', () => {
    assert.deepEqual(render('1\n2\n3\n4', '1\n3\n2\n4'), [' 1', '-2', ' 3', '+2', ' 4']);
  });

  it('handles identical and empty texts', () => {
    assert.deepEqual(render('same', 'same'), [' same']);
    assert.deepEqual(render('', 'new'), ['-', '+new']);
  });
});
