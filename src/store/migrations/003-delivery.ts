// What the delivery pipeline needs beyond the foundation's tables: the filtered payload per delivery, the
// attempt's destination and event (for the Event Delivery view), per-minute counters for the charts, a retry
// schedule per destination, and the handlers each version defines (onBatch or not).
import type { MigrationStatements } from './migration-statements.ts';

export const delivery: MigrationStatements = () => [
  // The event as the function receives it, when destination filters changed it; null means the stored event.
  `ALTER TABLE deliveries ADD COLUMN payload TEXT`,
  `ALTER TABLE attempts ADD COLUMN destination_id TEXT`,
  `ALTER TABLE attempts ADD COLUMN event_id BIGINT`,
  `CREATE INDEX attempts_destination ON attempts (destination_id, id)`,
  `CREATE INDEX deliveries_destination_state ON deliveries (destination_id, state, updated_at)`,
  `CREATE INDEX deliveries_leased ON deliveries (lease_until) WHERE state = 'leased'`,
  `CREATE TABLE delivery_counts (
    destination_id TEXT NOT NULL,
    minute BIGINT NOT NULL,
    outcome TEXT NOT NULL,
    category TEXT NOT NULL,
    count BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    PRIMARY KEY (destination_id, minute, outcome, category)
  )`,
  `ALTER TABLE destinations ADD COLUMN retry_schedule TEXT`,
  `ALTER TABLE function_versions ADD COLUMN handlers TEXT NOT NULL DEFAULT '[]'`,
];
