import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateFql } from './evaluate-fql.ts';
import { parseFql } from './fql-parser.ts';

const event = {
  type: 'track',
  event: 'Order Completed',
  userId: 'u1',
  properties: {
    price: 25,
    total: '25',
    vip: true,
    plan: null,
    tags: ['a', 'b'],
    items: [
      { sku: 'S1', qty: 2 },
      { sku: 'S2', qty: 1 },
    ],
    'first-name': 'Ada',
    'a.b': 'dotted',
  },
  context: { library: { name: 'analytics.js' } },
};

const check = (source: string, input: unknown = event): boolean => evaluateFql(parseFql(source), input);

describe('evaluateFql comparison operators', () => {
  it('= compares primitives strictly', () => {
    assert.equal(check('event = "Order Completed"'), true);
    assert.equal(check('event = "order completed"'), false);
    assert.equal(check('properties.price = 25'), true);
    assert.equal(check('properties.price = "25"'), false);
    assert.equal(check('properties.total = 25'), false);
    assert.equal(check('properties.vip = true'), true);
    assert.equal(check('properties.plan = null'), true);
    assert.equal(check('properties.missing = null'), true);
    assert.equal(check('properties.tags = properties.tags'), false, 'arrays never equal');
  });

  it('!= is the negation of =', () => {
    assert.equal(check('type != "identify"'), true);
    assert.equal(check('type != "track"'), false);
    assert.equal(check('properties.price != "25"'), true);
    assert.equal(check('properties.missing != null'), false);
  });

  it('< compares two numbers or two strings only', () => {
    assert.equal(check('properties.price < 30'), true);
    assert.equal(check('properties.price < 25'), false);
    assert.equal(check('"apple" < "banana"'), true);
    assert.equal(check('properties.total < 30'), false, 'string vs number');
    assert.equal(check('properties.missing < 30'), false, 'null vs number');
  });

  it('> compares two numbers or two strings only', () => {
    assert.equal(check('properties.price > 20'), true);
    assert.equal(check('properties.price > 25'), false);
    assert.equal(check('"b" > "a"'), true);
    assert.equal(check('properties.vip > 0'), false);
  });

  it('<= includes equality', () => {
    assert.equal(check('properties.price <= 25'), true);
    assert.equal(check('properties.price <= 24.9'), false);
    assert.equal(check('"a" <= "a"'), true);
    assert.equal(check('properties.missing <= null'), false);
  });

  it('>= includes equality', () => {
    assert.equal(check('properties.price >= 25'), true);
    assert.equal(check('properties.price >= 2.5e1'), true);
    assert.equal(check('properties.price >= 26'), false);
    assert.equal(check('properties.total >= "25"'), true);
  });

  it('compares negative numbers and exponents', () => {
    assert.equal(check('x > -1', { x: 0 }), true);
    assert.equal(check('x < -1e2', { x: -101 }), true);
  });
});

describe('evaluateFql in', () => {
  it('is true when the value equals any literal, strictly', () => {
    assert.equal(check('type in ["identify", "track"]'), true);
    assert.equal(check('type in ["identify", "page"]'), false);
    assert.equal(check('properties.price in ["25"]'), false);
    assert.equal(check('properties.price in [1, 25]'), true);
    assert.equal(check('properties.missing in [null]'), true);
    assert.equal(check('properties.missing in ["a"]'), false);
    assert.equal(check('type in []'), false);
  });
});

describe('evaluateFql boolean logic', () => {
  it('and needs both sides', () => {
    assert.equal(check('type = "track" and properties.price > 10'), true);
    assert.equal(check('type = "track" and properties.price > 100'), false);
  });

  it('or needs either side', () => {
    assert.equal(check('type = "page" or properties.price > 10'), true);
    assert.equal(check('type = "page" or properties.price > 100'), false);
  });

  it('and binds tighter than or: a or b and c', () => {
    // With a=true, b=c=false, `(a or b) and c` would be false; `a or (b and c)` is true.
    assert.equal(check('a or b and c', { a: true, b: false, c: false }), true);
    assert.equal(check('a or b and c', { a: false, b: true, c: true }), true);
    assert.equal(check('a or b and c', { a: false, b: true, c: false }), false);
  });

  it('parentheses override precedence', () => {
    assert.equal(check('(a or b) and c', { a: true, b: false, c: false }), false);
    assert.equal(check('a and (b or c)', { a: true, b: false, c: true }), true);
  });

  it('! negates, including comparisons and groups', () => {
    assert.equal(check('!properties.vip'), false);
    assert.equal(check('!properties.missing'), true);
    assert.equal(check('!type = "page"'), true);
    assert.equal(check('!(type = "track" or type = "page")'), false);
    assert.equal(check('!!properties.vip'), true);
  });

  it('truth-tests a bare path or call', () => {
    assert.equal(check('properties.vip'), true);
    assert.equal(check('properties.plan'), false);
    assert.equal(check('properties.missing'), false);
    assert.equal(check('flag', { flag: 'false' }), false);
    assert.equal(check('flag', { flag: 'yes' }), true);
    assert.equal(check('flag', { flag: 0 }), false);
    assert.equal(check('flag', { flag: {} }), true);
    assert.equal(check('contains(event, "Order")'), true);
    assert.equal(check('contains(event, "Refund")'), false);
  });
});

describe('evaluateFql paths', () => {
  it('reads nested objects', () => {
    assert.equal(check('context.library.name = "analytics.js"'), true);
  });

  it('reads array elements by index', () => {
    assert.equal(check('properties.items.0.sku = "S1"'), true);
    assert.equal(check('properties.items.1.qty = 1'), true);
    assert.equal(check('properties.items.2.sku = null'), true);
    assert.equal(check('properties.tags.1 = "b"'), true);
  });

  it('reads escaped segments', () => {
    assert.equal(check('properties.first\\-name = "Ada"'), true);
    assert.equal(check('properties.a\\.b = "dotted"'), true);
  });

  it('is null-safe through missing, primitive and array-by-name steps', () => {
    assert.equal(check('nope.deeper.still = null'), true);
    assert.equal(check('event.length = null'), true, 'no walking into strings');
    assert.equal(check('properties.items.sku = null'), true, 'arrays only take indexes');
    assert.equal(check('type = "track"', null), false);
    assert.equal(check('type = null', 'not an object'), true);
  });

  it('never reads inherited properties', () => {
    assert.equal(check('typeof(properties.constructor) = "null"'), true);
    assert.equal(check('properties.toString = null'), true);
    assert.equal(check('properties.__proto__ = null'), true);
  });
});
