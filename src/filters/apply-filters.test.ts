import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyFilters } from './apply-filters.ts';
import { compileFql } from './compile-fql.ts';
import type { DestinationFilter } from './filter-types.ts';
import { FqlSyntaxError } from './fql-syntax-error.ts';

const baseEvent = {
  type: 'track',
  messageId: 'm1',
  userId: 'u1',
  timestamp: '2024-01-01T00:00:00.000Z',
  receivedAt: '2024-01-01T00:00:01.000Z',
  event: 'Order Completed',
  properties: { plan: 'pro', email: 'a@example.com', total: 10, items: [{ sku: 'S1', cost: 2 }] },
  context: { ip: '1.2.3.4' },
};

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

const never = (): number => assert.fail('random must not be used');

describe('applyFilters', () => {
  it('passes events through when nothing matches', () => {
    const filters: DestinationFilter[] = [{ if: 'type = "identify"', actions: [{ type: 'DROP' }] }];
    assert.deepEqual(applyFilters(filters, baseEvent), { event: baseEvent });
    assert.deepEqual(applyFilters([], baseEvent), { event: baseEvent });
  });

  it('DROP reports the filter that dropped', () => {
    const filters: DestinationFilter[] = [
      { if: 'type = "identify"', actions: [{ type: 'DROP' }] },
      { if: 'event = "Order Completed"', actions: [{ type: 'DROP' }] },
    ];
    assert.deepEqual(applyFilters(filters, baseEvent), {
      event: null,
      dropped: { filterIndex: 1, action: 'DROP' },
    });
  });

  it('"all" matches every event', () => {
    const result = applyFilters([{ if: 'all', actions: [{ type: 'DROP' }] }], {});
    assert.deepEqual(result.dropped, { filterIndex: 0, action: 'DROP' });
  });

  it('SAMPLE uses the injected random source when it has no path', () => {
    const filters: DestinationFilter[] = [{ if: 'all', actions: [{ type: 'SAMPLE', percent: 0.25 }] }];
    assert.deepEqual(applyFilters(filters, baseEvent, { random: () => 0.2 }).event, baseEvent);
    assert.deepEqual(applyFilters(filters, baseEvent, { random: () => 0.25 }), {
      event: null,
      dropped: { filterIndex: 0, action: 'SAMPLE' },
    });
  });

  it('SAMPLE by path gives one user the same answer on every event', () => {
    const filters: DestinationFilter[] = [
      { if: 'all', actions: [{ type: 'SAMPLE', percent: 0.5, path: 'userId' }] },
    ];
    for (let i = 0; i < 20; i += 1) {
      const decisions = new Set(
        ['A', 'B', 'C'].map(
          (name) => applyFilters(filters, { userId: `u${i}`, event: name }, { random: never }).event === null,
        ),
      );
      assert.equal(decisions.size, 1);
    }
  });

  it('evaluates every condition against the original event', () => {
    // Filter 0 removes properties.plan; filter 1 still sees it and drops the event.
    const filters: DestinationFilter[] = [
      { if: 'all', actions: [{ type: 'DROP_PROPERTIES', fields: { properties: ['plan'] } }] },
      { if: 'properties.plan = "pro"', actions: [{ type: 'DROP' }] },
    ];
    assert.deepEqual(applyFilters(filters, baseEvent).dropped, { filterIndex: 1, action: 'DROP' });
  });

  it('applies SAMPLE before DROP across filters, whatever their order', () => {
    const filters: DestinationFilter[] = [
      { if: 'all', actions: [{ type: 'DROP' }] },
      { if: 'all', actions: [{ type: 'SAMPLE', percent: 0.5 }] },
    ];
    // If DROP ran first, filter 0 would be blamed; Sample runs first and rejects.
    assert.deepEqual(applyFilters(filters, baseEvent, { random: () => 0.9 }).dropped, {
      filterIndex: 1,
      action: 'SAMPLE',
    });
    // If Sample keeps the event, DROP still applies afterwards.
    assert.deepEqual(applyFilters(filters, baseEvent, { random: () => 0.1 }).dropped, {
      filterIndex: 0,
      action: 'DROP',
    });
  });

  it('applies DROP before any property edits, even from earlier filters, and after sampling', () => {
    let calls = 0;
    const random = (): number => {
      calls += 1;
      return 0;
    };
    const filters: DestinationFilter[] = [
      { if: 'all', actions: [{ type: 'DROP_PROPERTIES', fields: { properties: ['email'] } }] },
      { if: 'all', actions: [{ type: 'ALLOW_PROPERTIES', fields: { '': [] } }, { type: 'DROP' }] },
      { if: 'all', actions: [{ type: 'SAMPLE', percent: 0.5 }] },
    ];
    assert.deepEqual(applyFilters(filters, baseEvent, { random }), {
      event: null,
      dropped: { filterIndex: 1, action: 'DROP' },
    });
    assert.equal(calls, 1, 'the SAMPLE of the last filter ran before the DROP of filter 1');
  });

  it('DROP_PROPERTIES and ALLOW_PROPERTIES from different filters combine', () => {
    // Both only ever remove keys, so their relative order cannot change the result; what matters is
    // that an ALLOW list can never bring back what a DROP removed, including a protected field.
    const filters: DestinationFilter[] = [
      {
        if: 'all',
        actions: [
          {
            type: 'ALLOW_PROPERTIES',
            fields: { '': ['event', 'properties'], properties: ['email', 'total'] },
          },
        ],
      },
      {
        if: 'all',
        actions: [{ type: 'DROP_PROPERTIES', fields: { properties: ['email'], '': ['userId'] } }],
      },
    ];
    assert.deepEqual(applyFilters(filters, baseEvent).event, {
      type: 'track',
      messageId: 'm1',
      timestamp: '2024-01-01T00:00:00.000Z',
      receivedAt: '2024-01-01T00:00:01.000Z',
      event: 'Order Completed',
      properties: { total: 10 },
    });
  });

  it('combines edits from several matching filters and skips non-matching ones', () => {
    const filters: DestinationFilter[] = [
      {
        if: 'properties.total > 5',
        actions: [{ type: 'DROP_PROPERTIES', fields: { properties: ['email'] } }],
      },
      { if: 'properties.total > 50', actions: [{ type: 'DROP_PROPERTIES', fields: { '': ['context'] } }] },
      { if: 'all', actions: [{ type: 'DROP_PROPERTIES', fields: { 'properties.items': ['cost'] } }] },
    ];
    assert.deepEqual(applyFilters(filters, baseEvent).event, {
      ...baseEvent,
      properties: { plan: 'pro', total: 10, items: [{ sku: 'S1' }] },
    });
  });

  it('ALLOW_PROPERTIES on the top level keeps the protected fields', () => {
    const filters: DestinationFilter[] = [
      { if: 'all', actions: [{ type: 'ALLOW_PROPERTIES', fields: { '': ['event'] } }] },
    ];
    assert.deepEqual(Object.keys(applyFilters(filters, baseEvent).event ?? {}).sort(), [
      'event',
      'messageId',
      'receivedAt',
      'timestamp',
      'type',
      'userId',
    ]);
  });

  it('never mutates its input', () => {
    const input = deepFreeze(structuredClone(baseEvent));
    const snapshot = structuredClone(baseEvent);
    const filters: DestinationFilter[] = [
      {
        if: 'all',
        actions: [
          { type: 'DROP_PROPERTIES', fields: { properties: ['email'], 'properties.items': ['cost'] } },
          { type: 'ALLOW_PROPERTIES', fields: { '': ['properties'], context: [] } },
        ],
      },
    ];
    const result = applyFilters(filters, input);
    assert.deepEqual(input, snapshot);
    assert.notEqual(result.event, input);
    assert.deepEqual(result.event?.properties, { plan: 'pro', total: 10, items: [{ sku: 'S1' }] });
  });

  it('parses each expression once and reuses it', () => {
    const source = 'properties.total > 1 and type = "track"';
    assert.equal(compileFql(source), compileFql(source));
    const filters: DestinationFilter[] = [{ if: source, actions: [{ type: 'DROP' }] }];
    for (let i = 0; i < 100; i += 1) assert.equal(applyFilters(filters, baseEvent).event, null);
  });

  it('throws on FQL that was never validated instead of silently dropping', () => {
    assert.throws(
      () => applyFilters([{ if: 'event = ', actions: [{ type: 'DROP' }] }], baseEvent),
      FqlSyntaxError,
    );
  });
});
