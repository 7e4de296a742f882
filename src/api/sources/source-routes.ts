import type { FastifyInstance, FastifyRequest } from 'fastify';
import { notFound, nonBlank } from '../../server/app-error.ts';
import type { Source, Store } from '../../store/store.ts';
import { authorize, authorizeSome, principalOf } from '../authenticate.ts';
import { isAllowed } from '../permissions.ts';

const sourceSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    writeKey: { type: 'string' },
    createdAt: { type: 'string' },
  },
} as const;

const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', maxLength: 64 } },
} as const;

interface IdParams {
  id: string;
}

export async function sourceRoutes(app: FastifyInstance, { store }: { store: Store }): Promise<void> {
  app.post<{ Body: { name: string } }>(
    '/sources',
    {
      schema: {
        body: {
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: { name: { type: 'string', minLength: 1, maxLength: 200 } },
        },
        response: { 201: sourceSchema },
      },
    },
    async (request, reply) => {
      const principal = authorize(request, 'sources:write');
      const name = nonBlank(request.body.name, 'name');
      return reply.status(201).send(present(await store.sources.create(principal.workspaceId, name)));
    },
  );

  app.get<{ Querystring: { limit: number; cursor?: string } }>(
    '/sources',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
            cursor: { type: 'string', maxLength: 200 },
          },
        },
      },
    },
    async (request) => {
      const principal = authorizeSome(request, 'sources:read');
      const page = await store.sources.list(principal.workspaceId, request.query);
      // A grant scoped to some sources shows only those.
      const visible = page.data.filter((source) => isAllowed(principal, 'sources:read', source.id));
      return { data: visible.map(present), next: page.next };
    },
  );

  app.get<{ Params: IdParams }>('/sources/:id', { schema: { params: idParams } }, async (request) => {
    return present(await findReadableSource(store, request));
  });

  app.get<{ Params: IdParams; Querystring: { limit: number } }>(
    '/sources/:id/sample-events',
    {
      schema: {
        params: idParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
        },
      },
    },
    async (request) => {
      const source = await findReadableSource(store, request);
      return { data: await store.events.recent(source.id, request.query.limit) };
    },
  );
}

/**
 * 404 for a source outside the caller's workspace, exactly like a missing one (its existence is not
 * revealed); 403 only for a source the caller can see exists but whose role does not cover it.
 */
async function findReadableSource(
  store: Store,
  request: FastifyRequest<{ Params: IdParams }>,
): Promise<Source> {
  const source = await store.sources.get(principalOf(request).workspaceId, request.params.id);
  if (source === undefined) throw notFound('source');
  authorize(request, 'sources:read', source.id);
  return source;
}

function present(source: Source) {
  return { id: source.id, name: source.name, writeKey: source.writeKey, createdAt: source.createdAt };
}
