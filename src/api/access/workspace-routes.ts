import type { FastifyInstance } from 'fastify';
import { AppError, notFound, nonBlank } from '../../server/app-error.ts';
import type { Store } from '../../store/store.ts';
import { authorize, principalOf } from '../authenticate.ts';

export async function workspaceRoutes(app: FastifyInstance, { store }: { store: Store }): Promise<void> {
  app.get('/workspaces', async (request) => {
    const principal = principalOf(request);
    // A workspace token knows only its own workspace.
    if (principal.userId === null) return { data: [{ id: principal.workspaceId, roles: principal.roles }] };
    const workspaces = await store.people.workspacesOf(principal.userId);
    return { data: workspaces.map(({ id, name, roles }) => ({ id, name, roles })) };
  });

  app.post<{ Body: { name: string } }>(
    '/workspaces',
    {
      schema: {
        body: {
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: { name: { type: 'string', minLength: 1, maxLength: 200 } },
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      if (principal.userId === null)
        throw new AppError(
          403,
          'forbidden',
          'a workspace token cannot own a workspace: use a personal token',
        );
      const name = nonBlank(request.body.name, 'name');
      const id = await store.access.createWorkspace({ name, ownerUserId: principal.userId });
      // A token belongs to one workspace: the caller gets one for the new workspace, shown once.
      const { token } = await store.access.createToken({
        workspaceId: id,
        userId: principal.userId,
        name: `Personal token for ${name}`,
      });
      await store.audit.record({
        workspaceId: id,
        actor: {
          type: principal.via === 'session' ? 'user' : 'token',
          id: principal.userId,
          label: principal.label,
        },
        action: 'workspaces.create',
        outcome: 'ok',
        resourceType: 'workspaces',
        resourceId: id,
        ip: request.ip,
        summary: { name },
      });
      return reply.status(201).send({ id, name, token });
    },
  );

  app.patch<{ Params: { id: string }; Body: { name?: string; usageLimitMs?: number | null } }>(
    '/workspaces/:id',
    {
      schema: {
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } },
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 200 },
            // Execution time per calendar month (UTC); null removes the limit.
            usageLimitMs: { type: ['integer', 'null'], minimum: 1 },
          },
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      // Only the caller's own workspace: another's id is not found, as everywhere.
      if (request.params.id !== principal.workspaceId) throw notFound('workspace');
      authorize(request, 'workspace:admin');
      const name = request.body.name === undefined ? undefined : nonBlank(request.body.name, 'name');
      await store.access.updateWorkspace(principal.workspaceId, {
        ...(name === undefined ? {} : { name }),
        ...(request.body.usageLimitMs === undefined ? {} : { usageLimitMs: request.body.usageLimitMs }),
      });
      return store.access.getWorkspace(principal.workspaceId);
    },
  );
}
