import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { lastIdBefore } from './last-id-before.ts';
import type { Database } from './schema.ts';
import { SQLITE_FILE_NAME, openSqliteStore } from './sqlite/open-sqlite-store.ts';

const CREATED = { table: 'deliveries', column: 'created_at' } as const;

async function withDeliveries(test: (sqlite: BetterSqlite3.Database, db: Kysely<Database>) => Promise<void>) {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-last-id-'));
  await (await openSqliteStore(dir)).close();
  const sqlite = new BetterSqlite3(path.join(dir, SQLITE_FILE_NAME));
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  try {
    await test(sqlite, db);
  } finally {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

function insert(sqlite: BetterSqlite3.Database, createdAt: readonly number[]) {
  const row = sqlite.prepare(
    `INSERT INTO deliveries (event_id, destination_id, state, run_at, created_at, updated_at) VALUES (?, 'dst', 'delivered', 0, ?, ?)`,
  );
  sqlite.transaction(() => createdAt.forEach((at, i) => row.run(i + 1, at, at)))();
}

describe('lastIdBefore', () => {
  it('finds the newest row before a time, across gaps in the ids, as a scan would', async () => {
    await withDeliveries(async (sqlite, db) => {
      assert.equal(await lastIdBefore(db, CREATED, Date.now()), 0, 'no rows: 0');
      // 1,000 rows 10 ms apart, with ids deleted here and there and a run of 200 gone (a purge).
      insert(
        sqlite,
        Array.from({ length: 1_000 }, (_, i) => 1_000 + 10 * i),
      );
      sqlite.exec('DELETE FROM deliveries WHERE id % 7 = 0 OR id BETWEEN 300 AND 500');
      const scan = sqlite.prepare<[number], { id: number | null }>(
        'SELECT max(id) AS id FROM deliveries WHERE created_at < ?',
      );
      for (const before of [
        0, 1_000, 1_001, 1_010, 1_011, 3_990, 4_000, 5_020, 6_005, 10_990, 11_000, 99_999,
      ]) {
        assert.equal(await lastIdBefore(db, CREATED, before), scan.get(before)!.id ?? 0, `before ${before}`);
      }
    });
  });

  it('stays within the rows around the edge when times step back there', async () => {
    await withDeliveries(async (sqlite, db) => {
      // A clock that stepped back by 25 ms at id 501: ids 501–503 are older than id 500.
      insert(
        sqlite,
        Array.from({ length: 1_000 }, (_, i) => 1_000 + 10 * i - (i >= 500 ? 25 : 0)),
      );
      const found = await lastIdBefore(db, CREATED, 5_990);
      assert.ok(found >= 499 && found <= 503, `found ${found}`);
    });
  });
});
