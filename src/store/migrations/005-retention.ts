// Indexes for the work that keeps the tables bounded: the retention purge finds old attempts by outcome and time, and a
// user's deletion (onDelete regulations) finds that user's events and their attempts without a full scan.
import type { MigrationStatements } from './migration-statements.ts';

export const retention: MigrationStatements = () => [
  `CREATE INDEX attempts_outcome_started ON attempts (outcome, started_at)`,
  `CREATE INDEX attempts_event ON attempts (event_id)`,
  `CREATE INDEX events_user ON events (user_id) WHERE user_id IS NOT NULL`,
];
