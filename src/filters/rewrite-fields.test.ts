import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allowProperties, dropProperties } from './rewrite-fields.ts';

const event = {
  type: 'track',
  messageId: 'm1',
  userId: 'u1',
  anonymousId: 'a1',
  timestamp: '2024-01-01T00:00:00.000Z',
  receivedAt: '2024-01-01T00:00:01.000Z',
  event: 'Order Completed',
  properties: {
    email: 'a@example.com',
    total: 10,
    products: [
      { sku: 'S1', price: 5, cost: 2 },
      { sku: 'S2', price: 5, cost: 3 },
      'not an object',
      [{ sku: 'S3', cost: 1 }],
    ],
  },
  context: { traits: { email: 'a@example.com', name: 'Ada' }, ip: '1.2.3.4' },
};

describe('dropProperties', () => {
  it('removes the named properties at each path', () => {
    const result = dropProperties(event, { properties: ['email'], '': ['context'] });
    assert.deepEqual(Object.keys(result.properties as object), ['total', 'products']);
    assert.equal('context' in result, false);
    assert.equal(result.event, 'Order Completed');
  });

  it('may remove protected fields (only ALLOW_PROPERTIES protects them)', () => {
    assert.equal('userId' in dropProperties(event, { '': ['userId'] }), false);
  });

  it('applies to every element when the path crosses arrays, and keeps all elements', () => {
    const result = dropProperties(event, { 'properties.products': ['cost'] });
    assert.deepEqual((result.properties as { products: unknown }).products, [
      { sku: 'S1', price: 5 },
      { sku: 'S2', price: 5 },
      'not an object',
      [{ sku: 'S3' }],
    ]);
  });

  it('ignores missing paths and non-object targets, returning the input untouched', () => {
    assert.equal(
      dropProperties(event, { 'properties.nope': ['x'], event: ['x'], 'context.traits': ['x'] }),
      event,
    );
  });

  it('copies only what changes', () => {
    const result = dropProperties(event, { 'context.traits': ['email'] });
    assert.notEqual(result, event);
    assert.notEqual(result.context, event.context);
    assert.equal(result.properties, event.properties);
    assert.deepEqual(event.context.traits, { email: 'a@example.com', name: 'Ada' });
  });

  it('treats an own "__proto__" key as data', () => {
    const input = JSON.parse('{"properties": {"__proto__": {"x": 1}, "a": 1}}') as Record<string, unknown>;
    const result = dropProperties(input, { properties: ['a'] });
    const properties = result.properties as object;
    assert.deepEqual(Object.keys(properties), ['__proto__']);
    assert.equal(Object.getPrototypeOf(properties), Object.prototype);
  });
});

describe('allowProperties', () => {
  it('keeps only the named properties at a path', () => {
    const result = allowProperties(event, { 'context.traits': ['name'] });
    assert.deepEqual((result.context as { traits: unknown }).traits, { name: 'Ada' });
  });

  it('an empty list empties the object', () => {
    const result = allowProperties(event, { properties: [] });
    assert.deepEqual(result.properties, {});
  });

  it('never removes the protected top-level fields', () => {
    const result = allowProperties(event, { '': ['event'] });
    assert.deepEqual(result, {
      type: 'track',
      messageId: 'm1',
      userId: 'u1',
      anonymousId: 'a1',
      timestamp: '2024-01-01T00:00:00.000Z',
      receivedAt: '2024-01-01T00:00:01.000Z',
      event: 'Order Completed',
    });
    assert.deepEqual(Object.keys(allowProperties(event, { '': [] })).sort(), [
      'anonymousId',
      'messageId',
      'receivedAt',
      'timestamp',
      'type',
      'userId',
    ]);
  });

  it('protects those names only at the top level', () => {
    const input = { type: 'track', properties: { type: 'gift', userId: 'x', keep: 1 } };
    assert.deepEqual(allowProperties(input, { properties: ['keep'] }).properties, { keep: 1 });
  });

  it('applies inside arrays', () => {
    const result = allowProperties(event, { 'properties.products': ['sku'] });
    assert.deepEqual((result.properties as { products: unknown }).products, [
      { sku: 'S1' },
      { sku: 'S2' },
      'not an object',
      [{ sku: 'S3' }],
    ]);
  });
});
