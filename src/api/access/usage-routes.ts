import type { FastifyInstance } from 'fastify';
import { usageStanding } from '../../pipeline/usage-gate.ts';
import { AppError } from '../../server/app-error.ts';
import type { DestinationRecord } from '../../store/destination-repository.ts';
import type { Store } from '../../store/store.ts';
import { authorizeSome } from '../authenticate.ts';
import { isAllowed } from '../permissions.ts';

const DAY_MS = 86_400_000;

/**
 * Execution time and invocations per function and destination per UTC day: the figure Segment bills as
 * usage. Each caller sees the functions their role lets them read.
 */
export async function usageRoutes(app: FastifyInstance, { store }: { store: Store }): Promise<void> {
  app.get<{ Querystring: { since?: string; until?: string } }>(
    '/usage',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { since: { type: 'string', maxLength: 40 }, until: { type: 'string', maxLength: 40 } },
        },
      },
    },
    async (request) => {
      const principal = authorizeSome(request, 'functions:read');
      const until = parseDate(request.query.until, 'until') ?? Date.now();
      const since = parseDate(request.query.since, 'since') ?? until - 30 * DAY_MS;
      if (since > until)
        throw new AppError(400, 'invalid_request', 'since is after until', { field: 'since' });
      if (until - since > 400 * DAY_MS)
        throw new AppError(400, 'invalid_request', 'ask for at most 400 days at a time', { field: 'since' });
      const destinations: DestinationRecord[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.destinations.list(principal.workspaceId, { limit: 200, cursor });
        destinations.push(...page.data);
        cursor = page.next ?? undefined;
      } while (cursor !== undefined);
      const visible = new Map(
        destinations
          .filter((d) => isAllowed(principal, 'functions:read', d.functionId))
          .map((d) => [d.id, d] as const),
      );
      const rows = await store.deliveryLog.usage([...visible.keys()], since, until);
      const data = rows.map((row) => ({
        day: new Date(row.day).toISOString().slice(0, 10),
        destinationId: row.destinationId,
        functionId: visible.get(row.destinationId)!.functionId,
        invocations: row.invocations,
        executionMs: row.executionMs,
      }));
      const standing = await usageStanding(store, principal.workspaceId, Date.now());
      return {
        // This calendar month against the workspace's limit: over it, delivery waits.
        month: { usedMs: standing.usedMs, limitMs: standing.limitMs, exceeded: standing.exceeded },
        since: new Date(since).toISOString(),
        until: new Date(until).toISOString(),
        totals: {
          invocations: data.reduce((n, row) => n + row.invocations, 0),
          executionMs: data.reduce((n, row) => n + row.executionMs, 0),
        },
        data,
      };
    },
  );
}

function parseDate(value: string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  if (Number.isNaN(time))
    throw new AppError(400, 'invalid_request', `${field} must be an ISO date`, { field });
  return time;
}
