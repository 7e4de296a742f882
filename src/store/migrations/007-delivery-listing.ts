// Event Delivery lists a destination's deliveries newest first, one state at a time (delivery-page.ts), and
// retention and replay walk a state by id: (destination_id, state, id) serves all three as index range scans.
// The index it replaces ended in updated_at, which made a listing sort every delivery of the destination
// (0.4 s per page at a million). Claims and settlements change state either way, so the hot path pays the same.
import type { MigrationStatements } from './migration-statements.ts';

export const deliveryListing: MigrationStatements = () => [
  // Built before the old one goes: on Postgres, dropping first would hold a lock that stops reads too for
  // the whole build.
  `CREATE INDEX deliveries_destination_state_id ON deliveries (destination_id, state, id)`,
  `DROP INDEX deliveries_destination_state`,
];
