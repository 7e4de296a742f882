import type { Kysely } from 'kysely';
import type { DeliveryFilter } from './delivery-log-repository.ts';
import { matchingDeliveries } from './matching-deliveries.ts';
import type { Database } from './schema.ts';

/** Every state a delivery can be in. */
export const DELIVERY_STATES = ['pending', 'leased', 'delivered', 'discarded', 'dead'] as const;

/**
 * The states a listing looks in. A delivered delivery has no category (settle-outcome.ts), so a category
 * filter leaves delivered ones out instead of walking them all to find none.
 */
export function statesToList(filter: DeliveryFilter): readonly string[] {
  const states = filter.status !== undefined ? [filter.status] : DELIVERY_STATES;
  return filter.category !== undefined ? states.filter(mayHaveCategory) : states;
}

/** Whether deliveries in this state can have a category: every state but delivered. */
export function mayHaveCategory(state: string): boolean {
  return state !== 'delivered';
}

/**
 * One state's part of a page of Event Delivery, newest first: a range of the (destination_id, state, id)
 * index read backwards, which stops at `limit` rows however many deliveries the destination has. A page
 * without a status is the union of the states' parts, sorted (delivery-log-repository.ts): no index orders a
 * destination's deliveries across states, and sorting all of them per page took 0.2–0.4 s at a million.
 */
export function deliveryPage(
  db: Kysely<Database>,
  destinationId: string,
  filter: DeliveryFilter,
  state: string,
  page: { limit: number; before?: number | undefined },
) {
  let query = matchingDeliveries(db, destinationId, { ...filter, status: state });
  if (page.before !== undefined) query = query.where('d.id', '<', page.before);
  return query.orderBy('d.id', 'desc').limit(page.limit);
}
