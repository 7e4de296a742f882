import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FilterValidationError, validateFilters } from './validate-filters.ts';

function rejection(input: unknown): FilterValidationError {
  try {
    validateFilters(input);
  } catch (error) {
    assert.ok(error instanceof FilterValidationError, `expected FilterValidationError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the filters to be rejected');
}

const drop = { type: 'DROP' };

describe('validateFilters', () => {
  it('returns a clean copy of valid filters of every action type', () => {
    const input = [
      { if: 'all', actions: [drop] },
      {
        if: 'type = "track" and properties.price > 10',
        actions: [
          { type: 'SAMPLE', percent: 0.5, path: 'userId' },
          { type: 'SAMPLE', percent: 1 },
          { type: 'DROP_PROPERTIES', fields: { properties: ['email'], '': ['context'] } },
          { type: 'ALLOW_PROPERTIES', fields: { 'context.traits': [] } },
        ],
      },
    ];
    const filters = validateFilters(input);
    assert.deepEqual(filters, input);
    assert.notEqual(filters[1]?.actions[2], input[1]?.actions[2]);
    assert.deepEqual(validateFilters([]), []);
  });

  it('names the field at fault', () => {
    const cases: Array<[unknown, string, RegExp]> = [
      [{}, '', /must be an array/],
      [Array.from({ length: 101 }, () => ({ if: 'all', actions: [drop] })), '', /at most 100/],
      [[null], '[0]', /must be an object/],
      [[{ if: 'all', actions: [drop], title: 'x' }], '[0]', /unknown key "title"/],
      [[{ if: 'all', actions: [drop] }, { actions: [drop] }], '[1].if', /must be a string/],
      [[{ if: 'all', actions: [] }], '[0].actions', /non-empty array/],
      [[{ if: 'all', actions: drop }], '[0].actions', /non-empty array/],
      [[{ if: 'all', actions: [drop, 'DROP'] }], '[0].actions[1]', /must be an object/],
      [[{ if: 'all', actions: [{ type: 'DELETE' }] }], '[0].actions[0].type', /must be one of/],
      [[{ if: 'all', actions: [{ type: 'drop' }] }], '[0].actions[0].type', /must be one of/],
      [[{ if: 'all', actions: [{ type: 'DROP', fields: {} }] }], '[0].actions[0]', /unknown key "fields"/],
      [[{ if: 'all', actions: [drop, { type: 'SAMPLE' }] }], '[0].actions[1].percent', /from 0 to 1/],
      [[{ if: 'all', actions: [{ type: 'SAMPLE', percent: 1.5 }] }], '[0].actions[0].percent', /from 0 to 1/],
      [
        [{ if: 'all', actions: [{ type: 'SAMPLE', percent: -0.1 }] }],
        '[0].actions[0].percent',
        /from 0 to 1/,
      ],
      [
        [{ if: 'all', actions: [{ type: 'SAMPLE', percent: '0.5' }] }],
        '[0].actions[0].percent',
        /from 0 to 1/,
      ],
      [[{ if: 'all', actions: [{ type: 'SAMPLE', percent: NaN }] }], '[0].actions[0].percent', /from 0 to 1/],
      [
        [{ if: 'all', actions: [{ type: 'SAMPLE', percent: 0.1, path: 3 }] }],
        '[0].actions[0].path',
        /dotted path/,
      ],
      [
        [{ if: 'all', actions: [{ type: 'SAMPLE', percent: 0.1, path: 'a..b' }] }],
        '[0].actions[0].path',
        /dotted/,
      ],
      [
        [{ if: 'all', actions: [{ type: 'SAMPLE', percent: 0.1, percentage: 1 }] }],
        '[0].actions[0]',
        /unknown key "percentage"/,
      ],
      [[{ if: 'all', actions: [{ type: 'DROP_PROPERTIES' }] }], '[0].actions[0].fields', /must be an object/],
      [
        [{ if: 'all', actions: [{ type: 'ALLOW_PROPERTIES', fields: [] }] }],
        '[0].actions[0].fields',
        /object/,
      ],
      [
        [{ if: 'all', actions: [{ type: 'DROP_PROPERTIES', fields: { properties: 'email' } }] }],
        '[0].actions[0].fields["properties"]',
        /must be an array/,
      ],
      [
        [{ if: 'all', actions: [{ type: 'DROP_PROPERTIES', fields: { 'context.traits': ['a', 7] } }] }],
        '[0].actions[0].fields["context.traits"][1]',
        /non-empty string/,
      ],
      [
        [{ if: 'all', actions: [{ type: 'ALLOW_PROPERTIES', fields: { 'properties.': ['a'] } }] }],
        '[0].actions[0].fields["properties."]',
        /empty segment/,
      ],
    ];
    for (const [input, field, message] of cases) {
      const error = rejection(input);
      assert.equal(error.field, field, `${error.message}`);
      assert.match(error.message, message);
      if (field !== '') assert.ok(error.message.startsWith(`${field}: `), error.message);
    }
  });

  it('reports FQL errors with their column', () => {
    const error = rejection([
      { if: 'all', actions: [drop] },
      { if: 'type = "track" )', actions: [drop] },
    ]);
    assert.equal(error.field, '[1].if');
    assert.equal(error.message, "[1].if: unexpected token ')' at column 16");
    assert.equal(
      rejection([{ if: 'nope(event)', actions: [drop] }]).message,
      "[0].if: unknown function 'nope' at column 1",
    );
    assert.equal(
      rejection([{ if: '', actions: [drop] }]).message,
      '[0].if: unexpected end of expression at column 1',
    );
  });

  it('reports the first problem in document order', () => {
    const error = rejection([
      { if: 'all', actions: [drop] },
      { if: 'all', actions: [drop, { type: 'SAMPLE', percent: 2 }] },
      { if: '(', actions: [drop] },
    ]);
    assert.equal(error.field, '[1].actions[1].percent');
  });
});
