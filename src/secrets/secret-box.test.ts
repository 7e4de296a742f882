import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { SECRET_KEY_FILE, loadSecretKey } from './load-secret-key.ts';
import { SecretBox } from './secret-box.ts';

describe('SecretBox', () => {
  const box = new SecretBox(Buffer.alloc(32, 7));

  it('round-trips and never repeats a ciphertext', () => {
    const a = box.encrypt('sk_live_123');
    assert.match(a, /^enc:v1:/);
    assert.ok(!a.includes('sk_live_123'));
    assert.notEqual(a, box.encrypt('sk_live_123'));
    assert.equal(box.decrypt(a), 'sk_live_123');
  });

  it('refuses a tampered value or the wrong key', () => {
    const stored = box.encrypt('secret');
    const raw = Buffer.from(stored.slice(7), 'base64');
    raw[raw.length - 1]! ^= 1;
    assert.throws(() => box.decrypt(`enc:v1:${raw.toString('base64')}`));
    assert.throws(() => new SecretBox(Buffer.alloc(32, 8)).decrypt(stored));
  });
});

describe('loadSecretKey', () => {
  it('generates a key once into the data dir, readable by the owner only', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-key-'));
    try {
      const first = loadSecretKey({ dataDir: dir });
      assert.equal(first.length, 32);
      assert.equal(statSync(path.join(dir, SECRET_KEY_FILE)).mode & 0o777, 0o600);
      assert.deepEqual(loadSecretKey({ dataDir: dir }), first);
      assert.equal(readFileSync(path.join(dir, SECRET_KEY_FILE), 'utf8').trim(), first.toString('base64'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('uses SWITCHYARD_SECRET_KEY when given, in hex, base64 or any text', () => {
    assert.deepEqual(
      loadSecretKey({ secretKey: 'ab'.repeat(32), dataDir: '/nonexistent' }),
      Buffer.alloc(32, 0xab),
    );
    assert.equal(
      loadSecretKey({ secretKey: 'correct horse battery staple', dataDir: '/nonexistent' }).length,
      32,
    );
  });
});
