import type { FastifyInstance } from 'fastify';
import { applyFilters } from '../../filters/apply-filters.ts';
import type { DestinationFilter } from '../../filters/filter-types.ts';
import { integrationsAllow } from '../../filters/integrations-gate.ts';
import { FilterValidationError, validateFilters } from '../../filters/validate-filters.ts';
import { AppError, notFound } from '../../server/app-error.ts';
import type { ApiContext } from '../api-context.ts';
import { principalOf } from '../authenticate.ts';
import { idParams } from '../functions/function-routes.ts';
import { findDestination } from './destination-routes.ts';

/** Destination filters: saved only when every FQL expression parses (Segment drops events instead). */
export async function filterRoutes(app: FastifyInstance, { store }: ApiContext): Promise<void> {
  app.put<{ Params: { id: string }; Body: unknown }>(
    '/destinations/:id/filters',
    {
      schema: {
        tags: ['destinations'],
        summary:
          'Replace the filters: [{if: FQL | "all", actions: [DROP | DROP_PROPERTIES | ALLOW_PROPERTIES | SAMPLE]}]',
        params: idParams,
        body: { type: 'array', items: { type: 'object' } },
      },
    },
    async (request) => {
      const destination = await findDestination(store, request, request.params.id, 'functions:write');
      let filters: DestinationFilter[];
      try {
        filters = validateFilters(request.body);
      } catch (error) {
        if (error instanceof FilterValidationError) {
          throw new AppError(
            400,
            'invalid_filter',
            error.message,
            error.field === '' ? {} : { field: error.field },
          );
        }
        throw error;
      }
      const updated = await store.destinations.update(principalOf(request).workspaceId, destination.id, {
        filters: JSON.stringify(filters),
      });
      if (updated === undefined) throw notFound('destination');
      return { filters };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/destinations/:id/filters',
    { schema: { tags: ['destinations'], summary: "A destination's filters", params: idParams } },
    async (request) => {
      const destination = await findDestination(store, request, request.params.id, 'functions:read');
      return { filters: JSON.parse(destination.filters) as DestinationFilter[] };
    },
  );

  app.post<{ Params: { id: string }; Body: { event: Record<string, unknown>; filters?: unknown } }>(
    '/destinations/:id/filters/preview',
    {
      schema: {
        tags: ['destinations'],
        summary:
          "What the destination's filters (or the given draft filters) and the event's integrations would do to an event",
        params: idParams,
        body: {
          type: 'object',
          required: ['event'],
          additionalProperties: false,
          properties: { event: { type: 'object' }, filters: { type: 'array', items: { type: 'object' } } },
        },
      },
    },
    async (request) => {
      const destination = await findDestination(store, request, request.params.id, 'functions:read');
      let filters: DestinationFilter[];
      try {
        filters =
          request.body.filters === undefined
            ? (JSON.parse(destination.filters) as DestinationFilter[])
            : validateFilters(request.body.filters);
      } catch (error) {
        if (error instanceof FilterValidationError) {
          throw new AppError(400, 'invalid_filter', error.message, { field: `filters${error.field}` });
        }
        throw error;
      }
      const event = request.body.event;
      if (!integrationsAllow(event, destination.name)) {
        return {
          delivered: false,
          event: null,
          reason: `the event's integrations object turns "${destination.name}" off`,
        };
      }
      const result = applyFilters(filters, event);
      if (result.event === null) {
        const dropped = result.dropped!;
        return {
          delivered: false,
          event: null,
          reason: `dropped by ${dropped.action} in filter ${dropped.filterIndex}`,
          dropped,
        };
      }
      return { delivered: true, event: result.event };
    },
  );
}
