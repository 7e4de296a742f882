// The per-minute delivery counters are rolled up into hours, then days, as they age, and dropped after the
// usage route's reach: the rollup finds old rows by minute.
import type { MigrationStatements } from './migration-statements.ts';

export const countRollup: MigrationStatements = () => [
  `CREATE INDEX delivery_counts_minute ON delivery_counts (minute)`,
];
