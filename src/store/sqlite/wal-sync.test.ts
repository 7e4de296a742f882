import assert from 'node:assert/strict';
import { fstatSync, mkdtempSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
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

describe('WalSync', () => {
  it('syncs the real file', async () => {
    const file = path.join(dir, 'real-wal');
    writeFileSync(file, 'frames');
    const wal = new WalSync(file);
    await wal.sync();
    wal.close();
  });

  it('makes callers during a running fsync wait for one that starts after it, and share that one', async () => {
    const file = path.join(dir, 'shared-wal');
    writeFileSync(file, 'frames');
    const { calls, fsync } = heldFsync();
    const wal = new WalSync(file, fsync);
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
    wal.close();
  });

  it('fails the callers of a failed fsync, and the next sync tries again', async () => {
    const file = path.join(dir, 'failing-wal');
    writeFileSync(file, 'frames');
    const { calls, fsync } = heldFsync();
    const wal = new WalSync(file, fsync);
    const failed = wal.sync();
    await tick();
    calls[0]!.done(Object.assign(new Error('EIO'), { code: 'EIO' }));
    await assert.rejects(failed, /EIO/);
    const retried = wal.sync();
    await tick();
    assert.equal(calls.length, 2);
    calls[1]!.done(null);
    await retried;
    wal.close();
  });

  it('opens the file again once it was replaced: an fsync of the old one would make nothing durable', async () => {
    const file = path.join(dir, 'replaced-wal');
    writeFileSync(file, 'frames');
    const { calls, fsync } = heldFsync();
    const wal = new WalSync(file, fsync);
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
    wal.close();
  });
});
