import type { FastifyInstance } from 'fastify';
import { AppError } from '../../server/app-error.ts';
import type { Store } from '../../store/store.ts';
import { authorize } from '../authenticate.ts';

interface AuditQuerystring {
  resource?: string;
  actor?: string;
  since?: string;
  limit: number;
  cursor?: string;
}

/** The audit trail, newest first, for Workspace Owners. Read-only: no route changes or removes an event. */
export async function auditRoutes(app: FastifyInstance, { store }: { store: Store }): Promise<void> {
  app.get<{ Querystring: AuditQuerystring }>(
    '/audit-events',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            resource: { type: 'string', maxLength: 100 },
            actor: { type: 'string', maxLength: 320 },
            since: { type: 'string', maxLength: 40 },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
            cursor: { type: 'string', pattern: '^[0-9]{1,18}$' },
          },
        },
      },
    },
    async (request) => {
      const principal = authorize(request, 'workspace:admin');
      const { resource, actor, since, limit, cursor } = request.query;
      const from = since === undefined ? undefined : Date.parse(since);
      if (from !== undefined && Number.isNaN(from))
        throw new AppError(400, 'invalid_request', 'since must be an ISO date', { field: 'since' });
      const page = await store.audit.list(principal.workspaceId, {
        resource,
        actor,
        since: from,
        limit,
        before: cursor === undefined ? undefined : Number(cursor),
      });
      return { data: page.events, next: page.next };
    },
  );
}
