import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { createAccessRepository } from '../access-repository.ts';
import { createAuditRepository } from '../audit-repository.ts';
import { createPeopleRepository } from '../people-repository.ts';
import { createRegulationRepository } from '../regulation-repository.ts';
import { createDeliveryLogRepository } from '../delivery-log-repository.ts';
import { createDestinationRepository } from '../destination-repository.ts';
import { createFunctionRepository } from '../function-repository.ts';
import { migrate } from '../migrations/migrate.ts';
import type { Database } from '../schema.ts';
import { createSourceRepository } from '../source-repository.ts';
import type { Store } from '../store.ts';
import { createPostgresDeliveryQueue } from './postgres-delivery-queue.ts';
import { createPostgresEventRepository } from './postgres-event-repository.ts';

// BIGINT columns hold epoch milliseconds and row ids, all far below 2^53: read them as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/**
 * A pool that cannot connect within 10 s answers with an error rather than holding ingest and the worker
 * forever, and TCP keepalive notices a server that vanished (a failover) in seconds, not after ~15 minutes.
 */
const CONNECTION_LIMITS = {
  connectionTimeoutMillis: 10_000,
  keepAlive: true,
  keepAliveInitialDelayMillis: 10_000,
};

/** Connects to DATABASE_URL and applies pending migrations (once, even with many processes starting). */
export async function openPostgresStore(databaseUrl: string): Promise<Store> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10, ...CONNECTION_LIMITS });
  // An idle client that loses its connection must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  // Queue bookkeeping (claims, settlements) commits without waiting for the WAL flush, as SQLite's NORMAL
  // mode does: a lost claim lapses and a lost settlement means one more attempt (at-least-once), and the
  // next ingest commit, which does wait, flushes them anyway. Events are never written through it.
  const queue = new pg.Pool({
    connectionString: databaseUrl,
    max: 4,
    options: '-c synchronous_commit=off',
    ...CONNECTION_LIMITS,
  });
  queue.on('error', () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migrate(db, 'postgres');
  } catch (error) {
    await db.destroy();
    await queue.end();
    throw error;
  }
  return {
    dialect: 'postgres',
    events: createPostgresEventRepository(pool),
    sources: createSourceRepository(db),
    access: createAccessRepository(db, 'postgres'),
    people: createPeopleRepository(db),
    audit: createAuditRepository(db),
    functions: createFunctionRepository(db),
    destinations: createDestinationRepository(db),
    deliveryLog: createDeliveryLogRepository(db),
    regulations: createRegulationRepository(db),
    deliveries: createPostgresDeliveryQueue(pool, queue),
    // Kysely's destroy ends the main pool.
    close: async () => {
      await db.destroy();
      await queue.end();
    },
  };
}
