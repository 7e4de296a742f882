import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { statesToList } from './delivery-page.ts';

describe('statesToList', () => {
  it('looks in every state, or the one asked for', () => {
    assert.deepEqual(statesToList({}), ['pending', 'leased', 'delivered', 'discarded', 'dead']);
    assert.deepEqual(statesToList({ status: 'dead', since: 1 }), ['dead']);
  });

  it('with a category, only in the states whose deliveries can have it', () => {
    assert.deepEqual(statesToList({ category: 'retry' }), ['pending', 'leased', 'dead']);
    assert.deepEqual(statesToList({ category: 'bad_request' }), ['discarded']);
    assert.deepEqual(statesToList({ category: 'message_rejected', status: 'discarded' }), ['discarded']);
    assert.deepEqual(
      statesToList({ category: 'retry', status: 'delivered' }),
      [],
      'delivered: never a category',
    );
    assert.deepEqual(statesToList({ category: 'bad_request', status: 'dead' }), [], 'dead: only retry');
  });
});
