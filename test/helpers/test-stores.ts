// Every store test runs on each dialect (kysely's DIALECTS pattern). Postgres runs when DATABASE_URL is
// set (.ci/run sets it); each store gets a database of its own, dropped afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openStore } from '../../src/store/open-store.ts';
import type { Dialect } from '../../src/store/schema.ts';
import type { Store } from '../../src/store/store.ts';

export interface TestStoreTarget {
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  /** Removes the folder or database. Close every store on it first. */
  dispose(): Promise<void>;
}

export const DIALECTS: readonly Dialect[] = ['sqlite', 'postgres'];

/** Why a dialect's tests are skipped here, or undefined when they run. */
export function skipReason(dialect: Dialect): string | undefined {
  return dialect === 'postgres' && !process.env.DATABASE_URL ? 'DATABASE_URL is not set' : undefined;
}

/** A fresh, empty place for a store of the dialect: a temp folder, and for Postgres a new database. */
export async function createTestTarget(dialect: Dialect): Promise<TestStoreTarget> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'switchyard-test-'));
  const removeDir = () => rmSync(dataDir, { recursive: true, force: true });
  if (dialect === 'sqlite') {
    return { dataDir, databaseUrl: undefined, dispose: () => Promise.resolve(removeDir()) };
  }
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) throw new Error('DATABASE_URL is not set');
  const name = `switchyard_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  await withClient(adminUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    dataDir,
    databaseUrl: url.toString(),
    async dispose() {
      removeDir();
      await withClient(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/** A fresh store plus a dispose that closes and removes it. */
export async function openTestStore(
  dialect: Dialect,
): Promise<{ store: Store; target: TestStoreTarget; dispose(): Promise<void> }> {
  const target = await createTestTarget(dialect);
  const store = await openStore(target);
  return {
    store,
    target,
    async dispose() {
      await store.close();
      await target.dispose();
    },
  };
}

/** A destination of a one-handler (onTrack) function of its own, connected to the sources; returns its id. */
export async function createTestDestination(
  store: Store,
  workspaceId: string,
  sourceIds: string[],
): Promise<string> {
  const { fn, version } = await store.functions.create(
    { workspaceId, displayName: 'Fn', description: '', testSettings: '{}' },
    { code: 'async function onTrack() {}', settings: '[]', author: 'test', handlers: ['onTrack'] },
  );
  const destination = await store.destinations.create({
    workspaceId,
    functionId: fn.id,
    versionId: version.id,
    name: 'X',
    enabled: true,
    settings: '{}',
    filters: '[]',
    sourceIds,
    retrySchedule: null,
  });
  return destination.id;
}

async function withClient<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}
