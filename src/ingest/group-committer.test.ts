import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EventRow } from '../store/store.ts';
import { ClosedError, GroupCommitter, SaturatedError } from './group-committer.ts';

const rows = (n: number, tag = 'r'): EventRow[] =>
  Array.from({ length: n }, (_, i) => ({
    sourceId: 's',
    messageId: `${tag}${i}`,
    type: 'track',
    userId: 'u',
    anonymousId: null,
    receivedAt: 0,
    body: '{}',
  }));

describe('GroupCommitter', () => {
  it('commits requests that arrive together in one group and resolves each after the write', async () => {
    const groups: number[] = [];
    const committer = new GroupCommitter(
      async (batch) => {
        groups.push(batch.length);
        return batch.length;
      },
      { maxPendingEvents: 1000, maxGroupEvents: 500 },
    );
    await Promise.all([committer.submit(rows(10)), committer.submit(rows(20)), committer.submit(rows(30))]);
    assert.deepEqual(groups, [60]);
    assert.equal(committer.pending, 0);
  });

  it('splits groups at maxGroupEvents but never splits one request', async () => {
    const groups: number[] = [];
    const committer = new GroupCommitter(
      async (batch) => {
        groups.push(batch.length);
        return batch.length;
      },
      { maxPendingEvents: 10_000, maxGroupEvents: 100 },
    );
    await Promise.all([committer.submit(rows(60)), committer.submit(rows(60)), committer.submit(rows(250))]);
    assert.deepEqual(groups, [60, 60, 250]);
  });

  it('writes the next group while one waits for its disk, two at most; the rest gather meanwhile', async () => {
    const gates: (() => void)[] = [];
    const groups: number[] = [];
    const committer = new GroupCommitter(
      async (batch) => {
        groups.push(batch.length);
        await new Promise<void>((resolve) => gates.push(resolve));
        return batch.length;
      },
      { maxPendingEvents: 1000, maxGroupEvents: 500 },
    );
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    const first = committer.submit(rows(1));
    await turn();
    const second = committer.submit(rows(2));
    await turn();
    assert.deepEqual(groups, [1, 2], 'the second group is written before the first is durable');
    const later = [committer.submit(rows(3)), committer.submit(rows(4))];
    await turn();
    assert.deepEqual(groups, [1, 2], 'no third write while two are under way');
    gates.shift()!();
    await first;
    await turn();
    assert.deepEqual(groups, [1, 2, 7], 'what gathered meanwhile is one group');
    for (const open of gates.splice(0)) open();
    await Promise.all([second, ...later]);
    assert.equal(committer.pending, 0);
  });

  it('rejects every request of a failed group with the error, and goes on with the next', async () => {
    let calls = 0;
    const committer = new GroupCommitter(
      async (batch) => {
        if (++calls === 1) throw new Error('disk full');
        return batch.length;
      },
      { maxPendingEvents: 1000, maxGroupEvents: 500 },
    );
    const results = await Promise.allSettled([committer.submit(rows(1)), committer.submit(rows(1))]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'rejected'],
    );
    await committer.submit(rows(1));
    assert.equal(calls, 2);
    assert.equal(committer.pending, 0);
  });

  it('refuses when saturated, but always admits a request when nothing is pending', async () => {
    const committer = new GroupCommitter(async (batch) => batch.length, {
      maxPendingEvents: 5,
      maxGroupEvents: 500,
    });
    await committer.submit(rows(50)); // larger than the limit, but alone: admitted
    const first = committer.submit(rows(4));
    await assert.rejects(committer.submit(rows(4)), SaturatedError);
    await first;
  });

  it('close waits for accepted work and refuses new work', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let written = 0;
    const committer = new GroupCommitter(
      async (batch) => {
        await gate;
        written += batch.length;
        return batch.length;
      },
      { maxPendingEvents: 100, maxGroupEvents: 100 },
    );
    const accepted = committer.submit(rows(3));
    await new Promise((resolve) => setImmediate(resolve));
    const closed = committer.close();
    await assert.rejects(committer.submit(rows(1)), ClosedError);
    release();
    await Promise.all([accepted, closed]);
    assert.equal(written, 3);
  });
});
