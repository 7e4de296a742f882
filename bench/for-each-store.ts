import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

/**
 * Runs a benchmark on SQLite, then on Postgres when DATABASE_URL is set — each in a data dir (and database)
 * of its own, removed afterwards.
 */
export async function forEachStore(
  prefix: string,
  run: (label: string, dataDir: string, databaseUrl: string | undefined) => Promise<void>,
): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), `${prefix}-`));
  try {
    await run('SQLite', path.join(dataDir, 'sqlite'), undefined);
    const adminUrl = process.env.DATABASE_URL;
    if (!adminUrl) {
      console.log('Postgres: skipped (set DATABASE_URL to include it)');
      return;
    }
    const database = `${prefix.replaceAll('-', '_')}_${process.pid}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    try {
      const url = new URL(adminUrl);
      url.pathname = `/${database}`;
      await run('Postgres', path.join(dataDir, 'pg'), url.toString());
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
