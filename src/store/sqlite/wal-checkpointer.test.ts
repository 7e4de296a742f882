import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import type { Store } from '../store.ts';
import { SQLITE_FILE_NAME, openSqliteStore } from './open-sqlite-store.ts';

const PADDING = 'x'.repeat(2_000);

async function insert(store: Store, sourceId: string, from: number, count: number): Promise<void> {
  const rows = Array.from({ length: count }, (_, i) => ({
    sourceId,
    messageId: `m${from + i}`,
    type: 'track',
    userId: 'u1',
    anonymousId: null,
    receivedAt: Date.now(),
    body: JSON.stringify({ type: 'track', messageId: `m${from + i}`, properties: { PADDING } }),
  }));
  for (let i = 0; i < rows.length; i += 500) await store.events.insertMany(rows.slice(i, i + 500));
}

describe('WAL checkpoints', () => {
  it('keep the write-ahead log from growing with every write while the store is open', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'switchyard-wal-'));
    const wal = path.join(dataDir, `${SQLITE_FILE_NAME}-wal`);
    const errors: Error[] = [];
    const store = await openSqliteStore(dataDir, {
      checkpointMs: 10,
      onCheckpointError: (error) => errors.push(error),
    });
    try {
      const { workspaceId } = await store.access.bootstrap({});
      const source = await store.sources.create(workspaceId, 'Web');
      // Each round writes ~8 MB. Without checkpoints the log holds all of them (>= 40 MB); with them, each
      // round starts the log again from its beginning and the file stays about one round long.
      let largest = 0;
      for (let round = 0; round < 5; round++) {
        await insert(store, source.id, round * 4_000, 4_000);
        largest = Math.max(largest, statSync(wal).size);
        await sleep(100);
      }
      assert.equal(await store.events.count(source.id), 20_000);
      assert.ok(largest < 24 * 1024 * 1024, `the log reached ${(largest / 1e6).toFixed(1)} MB`);
      assert.deepEqual(errors, []);
    } finally {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('keeps the log bounded under steady writes, which never leave the thread a quiet moment', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'switchyard-wal-'));
    const wal = path.join(dataDir, `${SQLITE_FILE_NAME}-wal`);
    // 1,024 frames (4 MB) before the writer checkpoints itself.
    const store = await openSqliteStore(dataDir, { checkpointMs: 20, catchUpFrames: 1_024 });
    try {
      const { workspaceId } = await store.access.bootstrap({});
      const source = await store.sources.create(workspaceId, 'Web');
      // A commit every few milliseconds for 3 s, 8 events of ~2 KB each: well over 12 MB through the log.
      let largest = 0;
      let next = 0;
      const until = Date.now() + 3_000;
      while (Date.now() < until) {
        await insert(store, source.id, next, 8);
        next += 8;
        largest = Math.max(largest, statSync(wal).size);
        await sleep(1);
      }
      assert.equal(await store.events.count(source.id), next);
      assert.ok(next * 2_000 > 12 * 1024 * 1024, `only ${next} events were written`);
      assert.ok(largest < 8 * 1024 * 1024, `the log reached ${(largest / 1e6).toFixed(1)} MB`);
    } finally {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('leaves every committed event readable after the store is closed and opened again', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'switchyard-wal-'));
    try {
      let store = await openSqliteStore(dataDir, { checkpointMs: 5 });
      const { workspaceId } = await store.access.bootstrap({});
      const source = await store.sources.create(workspaceId, 'Web');
      await insert(store, source.id, 0, 3_000);
      await sleep(30);
      await insert(store, source.id, 3_000, 3_000);
      await store.close();
      store = await openSqliteStore(dataDir);
      try {
        assert.equal(await store.events.count(source.id), 6_000);
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
