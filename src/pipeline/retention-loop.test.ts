import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import pino from 'pino';
import type { Store } from '../store/store.ts';
import { RetentionLoop } from './retention-loop.ts';

/** A loop over a store whose purge is `purge` alone. */
function loopOver(purge: () => Promise<{ removed: number; more: boolean }>): RetentionLoop {
  const store = { deliveryLog: { purge } } as unknown as Store;
  return new RetentionLoop(
    store,
    { keepSuccessMs: 1, keepFailureMs: 1, keepEventsMs: 1 },
    pino({ level: 'silent' }),
  );
}

describe('the retention loop', () => {
  it('steps again at once while a step stops at its limit, then waits; stop ends it at once', async () => {
    const morePerStep = [true, true, true, false, true];
    let steps = 0;
    const loop = loopOver(() => Promise.resolve({ removed: 1, more: morePerStep[steps++] ?? false }));
    loop.start();
    await sleep(600);
    // Three steps that stopped at their limit, then one that did not: the fifth waits for the next minute.
    assert.equal(steps, 4);
    const stopped = performance.now();
    await loop.stop();
    assert.ok(performance.now() - stopped < 100, 'stop does not wait out the pause');
  });

  it('survives a failed step: it is logged, and the next comes at the next round', async () => {
    let steps = 0;
    const loop = loopOver(() =>
      ++steps === 1
        ? Promise.reject(new Error('database is locked'))
        : Promise.resolve({ removed: 0, more: false }),
    );
    loop.start();
    await sleep(50);
    await loop.stop();
    assert.equal(steps, 1, 'a failure waits for the next round, like an empty step');
  });
});
