import type { Kysely } from 'kysely';
import type { DeliveryFilter } from './delivery-log-repository.ts';
import { matchingDeliveries } from './matching-deliveries.ts';
import type { Database } from './schema.ts';

/** Every state a delivery can be in. */
export const DELIVERY_STATES = ['pending', 'leased', 'delivered', 'discarded', 'dead'] as const;

/**
 * The states a listing looks in: with a category, only those whose deliveries can have it, instead of walking
 * a whole state to find none.
 */
export function statesToList(filter: DeliveryFilter): readonly string[] {
  const states = filter.status !== undefined ? [filter.status] : DELIVERY_STATES;
  const category = filter.category;
  return category !== undefined ? states.filter((state) => mayHaveCategory(state, category)) : states;
}

/**
 * Whether a delivery in this state can have this category (classify.ts, settle-outcome.ts): a delivered one
 * has none; one waiting for a retry, being retried or dead after its retries has `retry`; a discarded one
 * has the category it was discarded with, never `retry`.
 */
export function mayHaveCategory(state: string, category: string): boolean {
  if (state === 'delivered') return false;
  if (state === 'discarded') return category !== 'retry';
  return category === 'retry';
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
