import type { FastifyInstance } from 'fastify';
import { AppError, notFound } from '../../server/app-error.ts';
import type { DeliveryFilter } from '../../store/delivery-log-repository.ts';
import { DELIVERY_STATES } from '../../store/delivery-page.ts';
import type { ApiContext } from '../api-context.ts';
import { authorize } from '../authenticate.ts';
import { overLimit, pausedReason } from '../../pipeline/usage-gate.ts';
import { findDestination } from '../destinations/destination-routes.ts';
import { idParams } from '../functions/function-routes.ts';
import { type StatsWindow, WINDOWS, summarise } from './delivery-stats.ts';

const CATEGORIES = ['bad_request', 'invalid_settings', 'message_rejected', 'unsupported_event_type', 'retry'];
const EVENT_TYPES = ['identify', 'track', 'page', 'screen', 'group', 'alias', 'delete'];

const filterProperties = {
  status: { type: 'string', enum: DELIVERY_STATES },
  category: { type: 'string', enum: CATEGORIES },
  since: { type: 'string', maxLength: 40 },
  until: { type: 'string', maxLength: 40 },
  eventType: { type: 'string', enum: EVENT_TYPES },
} as const;

interface FilterInput {
  status?: string;
  category?: string;
  since?: string;
  until?: string;
  eventType?: string;
  messageIds?: string[];
}

function toFilter(input: FilterInput): DeliveryFilter {
  const time = (value: string | undefined, field: string) => {
    if (value === undefined) return undefined;
    const at = Date.parse(value);
    if (Number.isNaN(at))
      throw new AppError(400, 'invalid_request', `${field} must be an ISO-8601 date`, { field });
    return at;
  };
  return {
    status: input.status,
    category: input.category,
    since: time(input.since, 'since'),
    until: time(input.until, 'until'),
    eventType: input.eventType,
    messageIds: input.messageIds,
  };
}

/** Event Delivery: what happened to each event at a destination, the counts over time, replay. */
export async function deliveryRoutes(app: FastifyInstance, { store }: ApiContext): Promise<void> {
  app.get<{ Params: { id: string }; Querystring: FilterInput & { limit: number; cursor?: string } }>(
    '/destinations/:id/deliveries',
    {
      schema: {
        tags: ['event delivery'],
        summary: 'Deliveries newest first, by status, category and time',
        params: idParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...filterProperties,
            limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
            cursor: { type: 'string', pattern: '^[0-9]+$' },
          },
        },
      },
    },
    async (request) => {
      const destination = await findDestination(store, request, request.params.id, 'functions:read');
      const { limit, cursor, ...filter } = request.query;
      const data = await store.deliveryLog.list(destination.id, toFilter(filter), {
        limit,
        before: cursor === undefined ? undefined : Number(cursor),
      });
      return { data, next: data.length === limit ? String(data.at(-1)!.id) : null };
    },
  );

  app.get<{ Params: { id: string; deliveryId: number } }>(
    '/destinations/:id/deliveries/:deliveryId',
    {
      schema: {
        tags: ['event delivery'],
        summary:
          'One delivery: the event as sent to the function, and each attempt with its error, logs, requests and responses',
        params: {
          type: 'object',
          required: ['id', 'deliveryId'],
          properties: { id: { type: 'string', maxLength: 64 }, deliveryId: { type: 'integer', minimum: 1 } },
        },
      },
    },
    async (request) => {
      const destination = await findDestination(store, request, request.params.id, 'functions:read');
      const found = await store.deliveryLog.get(destination.id, request.params.deliveryId);
      if (found === undefined) throw notFound('delivery');
      return { ...found.delivery, event: found.event, attempts: found.attempts };
    },
  );

  app.get<{ Params: { id: string }; Querystring: { window: StatsWindow } }>(
    '/destinations/:id/stats',
    {
      schema: {
        tags: ['event delivery'],
        summary:
          'Delivered / retrying / discarded by category / dead / filtered over time, execution time, connection health',
        params: idParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { window: { type: 'string', enum: Object.keys(WINDOWS), default: '24h' } },
        },
      },
    },
    async (request) => {
      const destination = await findDestination(store, request, request.params.id, 'functions:read');
      const now = Date.now();
      // From the first bucket's start: older counters are merged into whole hours (count-rollup.ts), and an
      // hour that began before the window is the chart's first bucket.
      const [span, bucketMs] = WINDOWS[request.query.window];
      const rows = await store.deliveryLog.counts(
        destination.id,
        Math.floor((now - span) / bucketMs) * bucketMs,
      );
      const stats = summarise(rows, request.query.window, now);
      const over = await overLimit(store, destination.workspaceId, now);
      return over
        ? { ...stats, health: { ...stats.health, status: 'paused', reason: pausedReason(over) } }
        : stats;
    },
  );

  app.post<{ Params: { id: string }; Body: FilterInput }>(
    '/destinations/:id/replay',
    {
      schema: {
        tags: ['event delivery'],
        summary:
          'Re-queue dead and discarded (or chosen) deliveries with a fresh retry budget; a time window also creates missing ones',
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...filterProperties,
            status: { type: 'string', enum: ['dead', 'discarded', 'delivered'] },
            messageIds: { type: 'array', items: { type: 'string', maxLength: 100 }, maxItems: 1000 },
          },
        },
      },
    },
    async (request) => {
      const destination = await findDestination(store, request, request.params.id, 'functions:write');
      for (const sourceId of destination.sourceIds) authorize(request, 'sources:connect', sourceId);
      const result = await store.deliveryLog.replay(
        destination.id,
        destination.sourceIds,
        toFilter(request.body ?? {}),
      );
      return { replayed: result.requeued + result.created, ...result };
    },
  );
}
