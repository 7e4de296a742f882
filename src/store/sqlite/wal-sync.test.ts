import assert from 'node:assert/strict';
import { fstatSync, mkdtempSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { SQLITE_FILE_NAME, openSqliteStore } from './open-sqlite-store.ts';
import { WalSync } from './wal-sync.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-wal-sync-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** An fsync that completes when the test says, recording the inode of each file it was asked to sync. */
function heldFsync() {
  const calls: { inode: number; done: (error: NodeJS.ErrnoException | null) => void }[] = [];
  const fsync = ((fd: number, done: (error: NodeJS.ErrnoException | null) => void) => {
    calls.push({ inode: fstatSync(fd).ino, done });
  }) as typeof import('node:fs').fsync;
  return { calls, fsync };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** A WalSync on a file of its own, whose fsyncs complete when the test says. */
function heldWal(name: string) {
  const file = path.join(dir, name);
  writeFileSync(file, 'frames');
  const { calls, fsync } = heldFsync();
  return { file, calls, wal: new WalSync(file, fsync) };
}

describe('WalSync', () => {
  it("holds an ingest commit's acknowledgement until the store's own WAL file is synced", async () => {
    const { calls, fsync } = heldFsync();
    const dataDir = path.join(dir, 'store');
    const store = await openSqliteStore(dataDir, { walFsync: fsync });
    try {
      const { workspaceId } = await store.access.bootstrap({});
      const source = await store.sources.create(workspaceId, 'Web');
      let acknowledged = false;
      const insert = store.events
        .insertMany([
          {
            sourceId: source.id,
            messageId: 'm1',
            type: 'track',
            userId: 'u1',
            anonymousId: null,
            receivedAt: Date.now(),
            body: '{"type":"track"}',
          },
        ])
        .then((stored) => ((acknowledged = true), stored));
      for (let i = 0; i < 5 && calls.length === 0; i++) await tick();
      assert.equal(calls.length, 1);
      assert.equal(calls[0]!.inode, statSync(path.join(dataDir, `${SQLITE_FILE_NAME}-wal`)).ino, 'the WAL');
      await tick();
      assert.equal(acknowledged, false, 'not acknowledged before the fsync completes');
      calls[0]!.done(null);
      assert.equal(await insert, 1);
    } finally {
      for (const call of calls) call.done(null);
      await store.close();
    }
  });

  it('makes callers during a running fsync wait for one that starts after it, and share that one', async () => {
    const { calls, wal } = heldWal('shared-wal');
    const settled: string[] = [];
    const first = wal.sync().then(() => settled.push('first'));
    await tick();
    // Their commits came after the running fsync began: it does not cover them.
    const second = wal.sync().then(() => settled.push('second'));
    const third = wal.sync().then(() => settled.push('third'));
    await tick();
    assert.equal(calls.length, 1, 'one fsync at a time');
    calls[0]!.done(null);
    await first;
    await tick();
    assert.deepEqual(settled, ['first'], 'the later callers still wait');
    assert.equal(calls.length, 2, 'the next fsync starts once the first is done');
    calls[1]!.done(null);
    await Promise.all([second, third]);
    assert.equal(calls.length, 2, 'the two later callers shared one fsync');
    await wal.close();
  });

  it('fails the callers of a failed fsync, and every later sync: the kernel may have dropped those pages', async () => {
    const { calls, wal } = heldWal('failing-wal');
    const failed = wal.sync();
    await tick();
    const waiting = wal.sync();
    calls[0]!.done(Object.assign(new Error('EIO'), { code: 'EIO' }));
    await assert.rejects(failed, /could not be written to disk \(EIO\).*restarts/);
    await assert.rejects(waiting, /EIO/, 'a caller waiting for the next fsync is failed too');
    await assert.rejects(wal.sync(), /EIO/, 'and so is every later one');
    assert.equal(calls.length, 1, 'no fsync is tried again: its success would prove nothing');
    await wal.close();
  });

  it('waits for a running fsync before closing, and refuses syncs after', async () => {
    const { calls, wal } = heldWal('closing-wal');
    const syncing = wal.sync();
    await tick();
    let closed = false;
    const closing = wal.close().then(() => (closed = true));
    await tick();
    assert.equal(closed, false, 'the descriptor stays open under the fsync');
    calls[0]!.done(null);
    await Promise.all([syncing, closing]);
    await assert.rejects(wal.sync(), /closed/);
  });

  it('opens the file again once it was replaced: an fsync of the old one would make nothing durable', async () => {
    const { file, calls, wal } = heldWal('replaced-wal');
    const first = wal.sync();
    await tick();
    calls[0]!.done(null);
    await first;
    unlinkSync(file);
    writeFileSync(file, 'new frames');
    const second = wal.sync();
    await tick();
    assert.equal(calls[1]!.inode, statSync(file).ino);
    assert.notEqual(calls[1]!.inode, calls[0]!.inode);
    calls[1]!.done(null);
    await second;
    await wal.close();
  });
});
