// The delivery worker's claiming, on a real SQLite store with functions run in this process.
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { DEFAULT_WORKER_OPTIONS, DeliveryWorker } from '../src/pipeline/delivery-worker.ts';
import { FunctionRuntime } from '../src/runtime/function-runtime.ts';
import { runtimeOptions } from '../src/runtime/runtime-options.ts';
import { SecretBox } from '../src/secrets/secret-box.ts';
import type { EventRow, Store } from '../src/store/store.ts';
import { openTestStore } from './helpers/test-stores.ts';
import { waitFor } from './helpers/wait-for.ts';

let store: Store;
let dispose: () => Promise<void>;
let runtime: FunctionRuntime;
let sourceId: string;
let destinationId: string;
let pausedId: string;
before(async () => {
  ({ store, dispose } = await openTestStore('sqlite'));
  const { workspaceId } = await store.access.bootstrap({});
  sourceId = (await store.sources.create(workspaceId, 'Web')).id;
  const { fn, version } = await store.functions.create(
    { workspaceId, displayName: 'Batcher', description: '', testSettings: '{}' },
    {
      code: 'async function onBatch(events) { return events.map(() => ({ status: 200 })) }',
      settings: '[]',
      author: 'test',
      handlers: ['onBatch'],
    },
  );
  const destination = async (name: string, enabled: boolean) =>
    (
      await store.destinations.create({
        workspaceId,
        functionId: fn.id,
        versionId: version.id,
        name,
        enabled,
        settings: '{}',
        filters: '[]',
        sourceIds: [sourceId],
        retrySchedule: null,
      })
    ).id;
  destinationId = await destination('Batcher', true);
  // Disabled: its deliveries wait, and stay in every look's counts.
  pausedId = await destination('Paused', false);
  runtime = new FunctionRuntime(runtimeOptions({}));
});
after(async () => {
  await runtime.close();
  await dispose();
});

let nextMessage = 0;
async function ingest(count: number): Promise<void> {
  const rows: EventRow[] = Array.from({ length: count }, () => {
    const messageId = `m-${nextMessage++}`;
    return {
      sourceId,
      messageId,
      type: 'track',
      userId: 'u',
      anonymousId: null,
      receivedAt: Date.now(),
      body: JSON.stringify({ type: 'track', event: 'Clicked', userId: 'u', messageId }),
      deliveries: [
        { destinationId, payload: null },
        { destinationId: pausedId, payload: null },
      ],
    };
  });
  await store.events.insertMany(rows);
}

async function delivered(count: number): Promise<void> {
  await waitFor(`${count} delivered`, async () => {
    const list = await store.deliveryLog.list(destinationId, { status: 'delivered' }, { limit: 100 });
    return list.length >= count ? true : undefined;
  });
}

describe('the delivery worker', () => {
  it('claims a batch destination’s new work at once once it had caught up, beside a backlog still counted', async () => {
    const worker = new DeliveryWorker(
      store,
      runtime,
      new SecretBox(randomBytes(32)),
      pino({ level: 'silent' }),
      {
        ...DEFAULT_WORKER_OPTIONS,
        batchSize: 2,
        maxInFlightPerDestination: 1,
        // Partial batches would wait this long, and counts be trusted this long: only full batches go out,
        // and only a look prompted by new work finds them within the test.
        batchWaitMs: 600_000,
        refreshDueMs: 600_000,
        pollMs: 10,
      },
    );
    worker.start();
    try {
      // The first look counts two due for each; one claim takes the batcher's two. The paused destination's
      // backlog stays counted, so the worker still knows a destination with due work.
      await ingest(2);
      worker.nudge([destinationId, pausedId]);
      await delivered(2);
      // New work is committed for both: the batcher has none counted, so the worker must look again now,
      // not once the counts are old.
      await ingest(2);
      worker.nudge([destinationId, pausedId]);
      await delivered(4);
    } finally {
      await worker.stop();
    }
  });
});
