import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Store } from '../store/store.ts';
import { usageStanding } from './usage-gate.ts';

/** A store whose counters are one entry per minute: 1 ms of execution time per minute of the month. */
function countingStore() {
  const calls: [number, number | undefined][] = [];
  const store = {
    access: { getWorkspace: () => Promise.resolve({ usageLimitMs: 1_000_000 }) },
    deliveryLog: {
      executionMsSince: (_workspaceId: string, since: number, until?: number) => {
        calls.push([since, until]);
        const end = until ?? now;
        return Promise.resolve(Math.max(0, Math.floor((end - since) / 60_000)));
      },
    },
  } as unknown as Store;
  let now = Date.UTC(2026, 10, 20, 12, 30);
  return { store, calls, at: (time: number) => (now = time) };
}

describe('usage against the monthly limit', () => {
  it('adds up the completed hours once per hour and only the current hour at each check', async () => {
    const { store, calls, at } = countingStore();
    const monthStart = Date.UTC(2026, 10, 1);
    const check = async (time: number) => (await usageStanding(store, 'ws_1', at(time))).usedMs;
    const t = Date.UTC(2026, 10, 20, 12, 30);
    assert.equal(await check(t), (t - monthStart) / 60_000);
    assert.equal(await check(t + 60_000), (t + 60_000 - monthStart) / 60_000);
    assert.equal(calls.filter(([, until]) => until !== undefined).length, 1, 'the month so far, once');
    // The next hour: the completed part is added up again, once.
    const later = Date.UTC(2026, 10, 20, 13, 5);
    assert.equal(await check(later), (later - monthStart) / 60_000);
    assert.equal(calls.filter(([, until]) => until !== undefined).length, 2);
    // A new month starts from nothing.
    const december = Date.UTC(2026, 11, 1, 0, 10);
    assert.equal(await check(december), 10);
  });
});
