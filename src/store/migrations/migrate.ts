import { type Kysely, type Migration, Migrator, sql } from 'kysely';
import type { Database, Dialect } from '../schema.ts';
import { foundation } from './001-foundation.ts';
import { functions } from './002-functions.ts';
import { delivery } from './003-delivery.ts';
import { access } from './004-access.ts';
import { retention } from './005-retention.ts';
import { countRollup } from './006-count-rollup.ts';
import { deliveryListing } from './007-delivery-listing.ts';
import { DIALECT_TYPES, type MigrationStatements } from './migration-statements.ts';

/** Numbered, append-only. Never edit one that has shipped; add the next number. */
const MIGRATIONS: Record<string, MigrationStatements> = {
  '001-foundation': foundation,
  '002-functions': functions,
  '003-delivery': delivery,
  '004-access': access,
  '005-retention': retention,
  '006-count-rollup': countRollup,
  '007-delivery-listing': deliveryListing,
};

/**
 * Applies pending migrations. Kysely's Migrator runs each in a transaction and, on Postgres, holds an
 * advisory lock so that several processes starting at once apply them exactly once.
 */
export async function migrate(db: Kysely<Database>, dialect: Dialect): Promise<void> {
  const migrations: Record<string, Migration> = {};
  for (const [name, statements] of Object.entries(MIGRATIONS)) {
    migrations[name] = {
      async up(trx: Kysely<unknown>) {
        for (const statement of statements(DIALECT_TYPES[dialect])) {
          await sql.raw(statement).execute(trx);
        }
      },
    };
  }
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(migrations) },
    migrationTableName: 'schema_migrations',
    migrationLockTableName: 'schema_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error !== undefined) {
    const cause = error instanceof Error ? error : new Error(JSON.stringify(error));
    throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${cause.message}`, { cause });
  }
}
