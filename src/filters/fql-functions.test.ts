import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateFql } from './evaluate-fql.ts';
import { parseFql } from './fql-parser.ts';

const event = {
  event: 'Order Completed',
  properties: {
    tags: ['a', 'b', 1],
    name: 'orderCompleted',
    title: 'hello big-world',
    emoji: 'é🚀',
    count: '42',
    zero: 0,
    nested: { a: 1, b: 2 },
  },
};

const check = (source: string): boolean => evaluateFql(parseFql(source), event);

describe('FQL functions', () => {
  it('contains: substring, array membership, null-safe', () => {
    assert.equal(check('contains(event, "Order")'), true);
    assert.equal(check('contains(event, "order")'), false, 'case-sensitive');
    assert.equal(check('contains(properties.tags, "b")'), true);
    assert.equal(check('contains(properties.tags, 1)'), true);
    assert.equal(check('contains(properties.tags, "1")'), false);
    assert.equal(check('contains(properties.missing, "a")'), false);
    assert.equal(check('contains(event, properties.missing)'), false);
    assert.equal(check('contains(properties.nested, "a")'), false);
  });

  it('length: UTF-8 bytes, element count, key count, 0 for null', () => {
    assert.equal(check('length(event) = 15'), true);
    assert.equal(check('length(properties.emoji) = 6'), true, 'é is 2 bytes, 🚀 is 4');
    assert.equal(check('length(properties.tags) = 3'), true);
    assert.equal(check('length(properties.nested) = 2'), true);
    assert.equal(check('length(properties.missing) = 0'), true);
    assert.equal(check('length(properties.zero) = 0'), true);
  });

  it('lowercase / uppercase', () => {
    assert.equal(check('lowercase(event) = "order completed"'), true);
    assert.equal(check('uppercase(event) = "ORDER COMPLETED"'), true);
    assert.equal(check('lowercase(properties.missing) = null'), true);
    assert.equal(check('uppercase(properties.zero) = null'), true);
  });

  it('snakecase', () => {
    assert.equal(check('snakecase(event) = "order_completed"'), true);
    assert.equal(check('snakecase(properties.name) = "order_completed"'), true);
    assert.equal(check('snakecase("HTTPServer error") = "http_server_error"'), true);
    assert.equal(check('snakecase(properties.missing) = null'), true);
  });

  it('kebabcase', () => {
    assert.equal(check('kebabcase(event) = "order-completed"'), true);
    assert.equal(check('kebabcase(properties.name) = "order-completed"'), true);
    assert.equal(check('kebabcase(properties.tags) = null'), true);
  });

  it('titlecase', () => {
    assert.equal(check('titlecase(properties.title) = "Hello Big World"'), true);
    assert.equal(check('titlecase("order_completed") = "Order Completed"'), true);
    assert.equal(check('titlecase(properties.missing) = null'), true);
  });

  it('typeof names every JSON type', () => {
    assert.equal(check('typeof(event) = "string"'), true);
    assert.equal(check('typeof(properties.zero) = "number"'), true);
    assert.equal(check('typeof(true) = "boolean"'), true);
    assert.equal(check('typeof(properties.missing) = "null"'), true);
    assert.equal(check('typeof(properties.nested) = "object"'), true);
    assert.equal(check('typeof(properties.tags) = "array"'), true);
  });

  it('match: globs over the whole string, null-safe', () => {
    assert.equal(check('match(event, "Order *")'), true);
    assert.equal(check('match(event, "Order")'), false, 'whole string');
    assert.equal(check('match(event, "order *")'), false, 'case-sensitive');
    assert.equal(check('match(event, "?rder Completed")'), true);
    assert.equal(check('match(event, "[A-Z]rder*")'), true);
    assert.equal(check('match(event, "[!A-Z]rder*")'), false);
    assert.equal(check('match(properties.missing, "*")'), false);
    assert.equal(check('match(event, properties.missing)'), false);
    assert.equal(check('match(event, properties.tags)'), false);
  });

  it('bool converts with the condition truthiness', () => {
    assert.equal(check('bool(properties.count) = true'), true);
    assert.equal(check('bool(properties.zero) = false'), true);
    assert.equal(check('bool("false") = false'), true);
    assert.equal(check('bool(properties.missing) = false'), true);
    assert.equal(check('bool(properties.nested) = true'), true);
  });

  it('string converts primitives and JSON-encodes the rest, null stays null', () => {
    assert.equal(check('string(properties.zero) = "0"'), true);
    assert.equal(check('string(true) = "true"'), true);
    assert.equal(check('string(properties.tags) = "[\\"a\\",\\"b\\",1]"'), true);
    assert.equal(check('string(properties.missing) = null'), true);
    assert.equal(check('string(event) = event'), true);
  });

  it('number parses numeric strings, null for anything unparseable', () => {
    assert.equal(check('number(properties.count) = 42'), true);
    assert.equal(check('number(" 1.5e2 ") = 150'), true);
    assert.equal(check('number(true) = 1'), true);
    assert.equal(check('number("42abc") = null'), true);
    assert.equal(check('number("") = null'), true);
    assert.equal(check('number("Infinity") = null'), true);
    assert.equal(check('number(properties.missing) = null'), true);
    assert.equal(check('number(properties.tags) = null'), true);
  });

  it('composes functions', () => {
    assert.equal(check('contains(lowercase(event), "order")'), true);
    assert.equal(check('length(snakecase(event)) > 10'), true);
  });
});
