import type { Dialect } from '../schema.ts';

/** The few column types that differ between the two databases; everything else is shared SQL. */
export interface DialectTypes {
  /** An auto-incrementing integer primary key. */
  readonly serial: string;
}

export type MigrationStatements = (types: DialectTypes) => string[];

export const DIALECT_TYPES: Record<Dialect, DialectTypes> = {
  sqlite: { serial: 'INTEGER PRIMARY KEY AUTOINCREMENT' },
  postgres: { serial: 'BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY' },
};
