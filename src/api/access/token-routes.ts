// API tokens: personal ones act with their member's roles; workspace tokens (owners create them, for CI and
// scripts) carry their own roles, as Segment's Public API tokens do. The token is shown once, stored hashed.
import type { FastifyInstance } from 'fastify';
import { AppError, notFound } from '../../server/app-error.ts';
import type { RoleGrant, Store, TokenInfo } from '../../store/store.ts';
import { authorize, principalOf } from '../authenticate.ts';
import { isAllowed } from '../permissions.ts';
import { normaliseRoles, rolesSchema } from './role-schema.ts';

export async function tokenRoutes(app: FastifyInstance, { store }: { store: Store }): Promise<void> {
  app.post<{ Body: { name: string; roles?: RoleGrant[]; expiresInDays?: number } }>(
    '/tokens',
    {
      schema: {
        body: {
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 200 },
            roles: rolesSchema,
            expiresInDays: { type: 'integer', minimum: 1, maximum: 3650 },
          },
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { name, roles, expiresInDays } = request.body;
      // Granting roles is the owner's: anyone else could mint a token stronger than themselves.
      if (roles !== undefined) authorize(request, 'workspace:admin');
      else if (principal.userId === null)
        throw new AppError(400, 'invalid_request', 'a workspace token creates tokens with explicit roles', {
          field: 'roles',
        });
      const expiresAt = expiresInDays === undefined ? null : Date.now() + expiresInDays * 86_400_000;
      const created = await store.access.createToken({
        workspaceId: principal.workspaceId,
        userId: roles === undefined ? principal.userId : null,
        name: name.trim(),
        ...(roles === undefined ? {} : { roles: normaliseRoles(roles) }),
        expiresAt,
      });
      const info = (await store.access.getToken(principal.workspaceId, created.id))!;
      return reply.status(201).send({ ...present(info), token: created.token });
    },
  );

  app.get('/tokens', async (request) => {
    const principal = principalOf(request);
    const owner = isAllowed(principal, 'workspace:admin');
    if (!owner && principal.userId === null) return { data: [] };
    const tokens = await store.access.listTokens(
      principal.workspaceId,
      owner ? undefined : (principal.userId ?? undefined),
    );
    return { data: tokens.map(present) };
  });

  app.delete<{ Params: { id: string } }>(
    '/tokens/:id',
    {
      schema: {
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const token = await store.access.getToken(principal.workspaceId, request.params.id);
      if (token === undefined || token.revokedAt !== null) throw notFound('token');
      const own = token.userId !== null && token.userId === principal.userId;
      if (!own) authorize(request, 'workspace:admin');
      await store.access.revokeToken(principal.workspaceId, token.id);
      return reply.status(204).send();
    },
  );
}

function present(token: TokenInfo) {
  return {
    id: token.id,
    name: token.name,
    kind: token.userId === null ? 'workspace' : 'personal',
    userId: token.userId,
    roles: token.userId === null ? token.roles : undefined,
    createdAt: token.createdAt,
    lastUsedAt: token.lastUsedAt,
    expiresAt: token.expiresAt,
    revokedAt: token.revokedAt,
  };
}
