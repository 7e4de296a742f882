// The web app's filter builder (web/src/filters): the FQL it writes parses on the server and means what the
// builder says; FQL in the builder's shapes reads back into the same rows; anything else is left as FQL.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateFql } from '../src/filters/evaluate-fql.ts';
import { parseFql } from '../src/filters/fql-parser.ts';
import { validateFilters } from '../src/filters/validate-filters.ts';
import {
  type Condition,
  ConditionError,
  type ConditionRow,
  conditionToFql,
  fqlPath,
} from '../web/src/filters/fql-builder.ts';
import { fqlToCondition } from '../web/src/filters/fql-reader.ts';
import { fromFormFilters, toFormFilters } from '../web/src/filters/filter-form.ts';

const row = (partial: Partial<ConditionRow>): ConditionRow => ({
  scope: 'event',
  name: '',
  operator: 'is',
  value: '',
  ...partial,
});
const rows = (combinator: 'and' | 'or', ...list: ConditionRow[]): Condition => ({
  kind: 'rows',
  combinator,
  rows: list,
});
const matches = (fql: string, event: unknown) => evaluateFql(parseFql(fql), event);

describe('FQL builder', () => {
  it('writes FQL the server parses and reads it back into the same rows', () => {
    const cases: [Condition, string][] = [
      [{ kind: 'all' }, 'all'],
      [rows('and', row({ value: 'Order Completed' })), 'event = "Order Completed"'],
      [
        rows('or', row({ scope: 'type', value: 'identify' }), row({ scope: 'userId', operator: 'exists' })),
        'type = "identify" or userId != null',
      ],
      [
        rows('and', row({ scope: 'properties', name: 'plan.tier', operator: 'one_of', value: 'pro, team' })),
        'properties.plan.tier in ["pro", "team"]',
      ],
      [
        rows('and', row({ scope: 'traits', name: 'email', operator: 'not_one_of', value: 'a@b.c' })),
        '!(traits.email in ["a@b.c"])',
      ],
      [
        rows(
          'and',
          row({ scope: 'context', name: 'page.url', operator: 'starts_with', value: 'https://x/*' }),
        ),
        'match(context.page.url, "https://x/\\\\**")',
      ],
      [
        rows('and', row({ scope: 'properties', name: 'file', operator: 'ends_with', value: '.pdf' })),
        'match(properties.file, "*.pdf")',
      ],
      [
        rows('and', row({ scope: 'properties', name: 'sku', operator: 'matches', value: 'A[0-9]?' })),
        'match(properties.sku, "A[0-9]?")',
      ],
      [
        rows(
          'and',
          row({ operator: 'contains', value: 'Order' }),
          row({ operator: 'not_contains', value: '"' }),
        ),
        'contains(event, "Order") and !contains(event, "\\"")',
      ],
      [
        rows(
          'and',
          row({ scope: 'properties', name: 'price', operator: 'gte', value: '10.5' }),
          row({ scope: 'properties', name: 'qty', operator: 'ne', value: '-2' }),
          row({ scope: 'properties', name: 'vip', operator: 'is_true' }),
          row({ scope: 'properties', name: 'coupon', operator: 'not_exists' }),
        ),
        'properties.price >= 10.5 and properties.qty != -2 and properties.vip = true and properties.coupon = null',
      ],
      [
        rows('and', row({ scope: 'properties', name: 'Order Total', operator: 'lt', value: '5' })),
        'properties.Order\\ Total < 5',
      ],
      [rows('and', row({ scope: 'path', name: 'and', operator: 'is_false' })), '\\and = false'],
    ];
    for (const [condition, fql] of cases) {
      assert.equal(conditionToFql(condition), fql);
      if (fql !== 'all') assert.doesNotThrow(() => parseFql(fql), fql);
      assert.deepEqual(fqlToCondition(fql), condition, fql);
    }
  });

  it('means what the rows say when the server evaluates it', () => {
    const event = {
      type: 'track',
      event: 'Order Completed',
      properties: { 'Order Total': 4, url: 'https://x/*/y', tags: ['a', 'b'], 'a.b': 1 },
    };
    const fql = (...list: ConditionRow[]) => conditionToFql(rows('and', ...list));
    const url = (operator: ConditionRow['operator'], value: string) =>
      fql(row({ scope: 'properties', name: 'url', operator, value }));
    assert.ok(matches(url('starts_with', 'https://x/*'), event));
    assert.ok(!matches(url('starts_with', 'https://x/?'), event), 'glob characters are literal');
    assert.ok(matches(url('ends_with', '*/y'), event));
    assert.ok(
      matches(fql(row({ scope: 'properties', name: 'Order Total', operator: 'lt', value: '5' })), event),
    );
    assert.ok(
      matches(fql(row({ scope: 'properties', name: 'tags', operator: 'contains', value: 'b' })), event),
    );
    assert.ok(matches(fql(row({ scope: 'properties', name: 'missing', operator: 'not_exists' })), event));
    assert.ok(!matches(fql(row({ scope: 'properties', name: 'missing', operator: 'exists' })), event));
    assert.ok(!matches(fql(row({ operator: 'is_not', value: 'Order Completed' })), event));
  });

  it('leaves FQL it cannot show as FQL instead of changing it', () => {
    for (const fql of [
      '(event = "a" or event = "b") and type = "track"',
      'event = "a" and type = "b" or userId = "c"',
      'lowercase(event) = "order completed"',
      '"x" = event',
      'properties.a = properties.b',
      'length(properties.items) > 2',
      'event in ["a,b"]',
      '!(event = "a")',
      'event = "unterminated',
      'properties.x',
    ])
      assert.equal(fqlToCondition(fql), undefined, fql);
  });

  it('escapes paths as the lexer reads them', () => {
    assert.equal(fqlPath(['properties', 'items', '0', 'sku']), 'properties.items.0.sku');
    assert.equal(fqlPath(['properties', '1st']), 'properties.\\1st');
    assert.equal(fqlPath(['null']), '\\null');
    const parsed = parseFql(`${fqlPath(['properties', 'ünïcode 😀'])} = 1`);
    assert.ok(parsed.kind === 'compare' && parsed.left.kind === 'path');
    assert.deepEqual(parsed.left.segments, ['properties', 'ünïcode 😀']);
  });

  it('says which row is incomplete', () => {
    assert.throws(() => conditionToFql(rows('and', row({ scope: 'properties' }))), ConditionError);
    assert.throws(
      () => conditionToFql(rows('and', row({ scope: 'properties', name: 'n', operator: 'gt', value: 'x' }))),
      /"x" is not a number/,
    );
    assert.throws(() => conditionToFql(rows('and')), /Add a condition/);
  });
});

describe('filter form', () => {
  it('round-trips saved filters through the form, keeping raw FQL as it was', () => {
    const saved = validateFilters([
      { if: 'event = "Spam"', actions: [{ type: 'DROP' }] },
      { if: 'length(properties.items) > 2', actions: [{ type: 'SAMPLE', percent: 0.07, path: 'userId' }] },
      {
        if: 'all',
        actions: [
          { type: 'DROP_PROPERTIES', fields: { '': ['anonymousId'], 'context.traits': ['email'] } },
          { type: 'ALLOW_PROPERTIES', fields: { properties: ['plan', 'price'] } },
        ],
      },
    ]);
    const form = toFormFilters(saved)!;
    assert.equal(form[0]!.condition.mode, 'builder');
    assert.deepEqual(form[1]!.condition, { mode: 'fql', text: 'length(properties.items) > 2' });
    assert.deepEqual(form[1]!.actions, [{ type: 'SAMPLE', percent: '7', path: 'userId' }]);
    assert.deepEqual(form[2]!.actions[0], {
      type: 'DROP_PROPERTIES',
      fields: 'anonymousId\ncontext.traits.email',
    });
    assert.deepEqual(fromFormFilters(form), saved);
  });

  it('opens filters as JSON when an action names a field the form cannot show', () => {
    const saved = [
      { if: 'all', actions: [{ type: 'DROP_PROPERTIES' as const, fields: { properties: ['a.b'] } }] },
    ];
    assert.equal(toFormFilters(saved), undefined);
  });

  it('names the filter whose form is incomplete', () => {
    const form = toFormFilters([{ if: 'all', actions: [{ type: 'DROP' }] }])!;
    form.push({ ...form[0]!, key: 'x', actions: [{ type: 'SAMPLE', percent: '150', path: '' }] });
    assert.throws(() => fromFormFilters(form), /^ConditionError: Filter 2: The sample percentage/);
  });
});
