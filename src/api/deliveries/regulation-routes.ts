import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../api-context.ts';
import { authorize } from '../authenticate.ts';

/** User deletion (Segment's regulations): onDelete at every destination, and the user's events removed. */
export async function regulationRoutes(app: FastifyInstance, { store }: ApiContext): Promise<void> {
  app.post<{ Body: { userIds: string[] } }>(
    '/regulations',
    {
      schema: {
        tags: ['event delivery'],
        summary:
          "Delete users: a delete event to every connected destination's onDelete, and their stored events removed",
        body: {
          type: 'object',
          required: ['userIds'],
          additionalProperties: false,
          properties: {
            userIds: {
              type: 'array',
              items: { type: 'string', minLength: 1, maxLength: 200 },
              minItems: 1,
              maxItems: 1000,
              uniqueItems: true,
            },
          },
        },
      },
    },
    async (request, reply) => {
      const principal = authorize(request, 'sources:write');
      const result = await store.regulations.deleteUsers(principal.workspaceId, request.body.userIds);
      return reply.status(202).send(result);
    },
  );
}
