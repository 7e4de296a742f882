import type { Logger } from 'pino';
import { applyFilters } from '../filters/apply-filters.ts';
import type { DestinationFilter } from '../filters/filter-types.ts';
import { integrationsAllow } from '../filters/integrations-gate.ts';
import type { NewDelivery } from '../store/delivery-queue.ts';
import type { Route } from '../store/destination-repository.ts';
import type { EventRow, Store } from '../store/store.ts';

interface CompiledRoute {
  readonly destinationId: string;
  readonly name: string;
  readonly filters: DestinationFilter[];
}

/**
 * Fan-out at ingest: each event gets a delivery for every enabled destination connected to its source
 * whose filters and the event's `integrations` object let it through; the others count it as filtered.
 * Routes are read per commit group, so connecting, disabling or re-filtering a destination applies to the
 * next event ingested.
 */
export class Router {
  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
  ) {}

  async route(rows: readonly EventRow[]): Promise<EventRow[]> {
    const sourceIds = [...new Set(rows.map((r) => r.sourceId))];
    const routes = groupBySource(await this.store.destinations.routesFor(sourceIds));
    if (routes.size === 0) return [...rows];
    return rows.map((row) => {
      const destinations = routes.get(row.sourceId);
      if (destinations === undefined) return row;
      // Most events need no decision: no filters, no integrations object. Those skip the parse (keeping the
      // parsed objects of a whole group alive costs ingest a third of its throughput in GC).
      const filtered = destinations.some((d) => d.filters.length > 0);
      const none =
        row.integrations === null || (row.integrations === undefined && !row.body.includes('"integrations"'));
      if (!filtered && none) {
        // Object.assign, not {...row, deliveries}: a property added after a spread is slow on this V8.
        return Object.assign({}, row, {
          deliveries: destinations.map((d) => ({ destinationId: d.destinationId, payload: null })),
        });
      }
      // Without filters, the integrations object known at ingest is all there is to decide on.
      const event =
        !filtered && row.integrations
          ? { integrations: row.integrations }
          : (JSON.parse(row.body) as Record<string, unknown>);
      const deliveries: NewDelivery[] = [];
      const filteredOut: string[] = [];
      for (const destination of destinations) {
        const outcome = this.decide(destination, event);
        if (outcome === null) filteredOut.push(destination.destinationId);
        else
          deliveries.push({
            destinationId: destination.destinationId,
            payload: outcome === event ? null : JSON.stringify(outcome),
          });
      }
      return Object.assign({}, row, { deliveries, filteredOut });
    });
  }

  /** The event as the destination gets it, or null when it is filtered out. */
  private decide(destination: CompiledRoute, event: Record<string, unknown>): Record<string, unknown> | null {
    if (!integrationsAllow(event, destination.name)) return null;
    if (destination.filters.length === 0) return event;
    try {
      return applyFilters(destination.filters, event).event;
    } catch (error) {
      // Filters are validated when saved; one that still fails must not lose the event: deliver it unfiltered.
      this.logger.error(
        { err: error, destinationId: destination.destinationId },
        'destination filter failed',
      );
      return event;
    }
  }
}

function groupBySource(routes: readonly Route[]): Map<string, CompiledRoute[]> {
  const bySource = new Map<string, CompiledRoute[]>();
  for (const route of routes) {
    const compiled = {
      destinationId: route.destinationId,
      name: route.name,
      filters: JSON.parse(route.filters) as DestinationFilter[],
    };
    bySource.set(route.sourceId, [...(bySource.get(route.sourceId) ?? []), compiled]);
  }
  return bySource;
}
