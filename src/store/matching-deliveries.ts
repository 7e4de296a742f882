import type { Kysely } from 'kysely';
import type { DeliveryFilter } from './delivery-log-repository.ts';
import type { Database } from './schema.ts';

/**
 * A destination's deliveries matching a filter, joined with their events: what Event Delivery lists and what
 * replay re-queues. Takes the executor: inside a transaction, queries must use it (SQLite has one connection;
 * Kysely would wait for it).
 */
export function matchingDeliveries(
  executor: Kysely<Database>,
  destinationId: string,
  filter: DeliveryFilter,
) {
  let query = executor
    .selectFrom('deliveries as d')
    .innerJoin('events as e', 'e.id', 'd.event_id')
    .where('d.destination_id', '=', destinationId);
  if (filter.status !== undefined) query = query.where('d.state', '=', filter.status);
  if (filter.category !== undefined) query = query.where('d.category', '=', filter.category);
  if (filter.since !== undefined) query = query.where('e.received_at', '>=', filter.since);
  if (filter.until !== undefined) query = query.where('e.received_at', '<', filter.until);
  if (filter.eventType !== undefined) query = query.where('e.type', '=', filter.eventType);
  if (filter.messageIds !== undefined) query = query.where('e.message_id', 'in', [...filter.messageIds, '']);
  return query;
}
