// Members of a workspace and their roles, created directly or invited (Workspace Owner only).
import type { FastifyInstance } from 'fastify';
import { hashPassword, passwordProblem } from '../../access/password.ts';
import { AppError, notFound } from '../../server/app-error.ts';
import { pendingAudit, withPendingAudit } from '../../store/audited-write.ts';
import type { RoleGrant, Store } from '../../store/store.ts';
import { authorize } from '../authenticate.ts';
import { normaliseRoles, rolesSchema } from './role-schema.ts';

const INVITATION_TTL_MS = 7 * 86_400_000;
const email = { type: 'string', minLength: 3, maxLength: 320, pattern: '^[^@\\s]+@[^@\\s]+$' } as const;
const userParams = {
  type: 'object',
  required: ['userId'],
  properties: { userId: { type: 'string', maxLength: 64 } },
} as const;

export async function memberRoutes(app: FastifyInstance, { store }: { store: Store }): Promise<void> {
  const lastOwner = async (workspaceId: string, userId: string, roles?: readonly RoleGrant[]) => {
    if (roles?.some((grant) => grant.role === 'workspace_owner')) return false;
    const owners = (await store.people.listMembers(workspaceId)).filter((member) =>
      member.roles.some((grant) => grant.role === 'workspace_owner'),
    );
    return owners.length === 1 && owners[0]!.userId === userId;
  };

  app.get('/members', async (request) => {
    const principal = authorize(request, 'workspace:admin');
    return { data: await store.people.listMembers(principal.workspaceId) };
  });

  app.post<{ Body: { email: string; name: string; password?: string; roles: RoleGrant[] } }>(
    '/members',
    {
      schema: {
        body: {
          type: 'object',
          required: ['email', 'name', 'roles'],
          additionalProperties: false,
          properties: {
            email,
            name: { type: 'string', minLength: 1, maxLength: 200 },
            password: { type: 'string', maxLength: 1024 },
            roles: rolesSchema,
          },
        },
      },
    },
    async (request, reply) => {
      const principal = authorize(request, 'workspace:admin');
      const { password, name } = request.body;
      const address = request.body.email.trim().toLowerCase();
      let user = await store.people.findUserByEmail(address);
      if (user === undefined) {
        if (password !== undefined) {
          const problem = passwordProblem(password);
          if (problem)
            throw new AppError(400, 'invalid_request', `password: ${problem}`, { field: 'password' });
        }
        const id = await store.people.createUser({
          email: address,
          name: name.trim(),
          passwordHash: password === undefined ? null : await hashPassword(password),
        });
        user = (await store.people.findUser(id))!;
      } else if (password !== undefined) {
        // Someone else's account: an owner of one workspace must not set the password of a user of another.
        throw new AppError(409, 'user_exists', 'that user exists already: add them without a password', {
          field: 'password',
        });
      }
      const added = await store.people.addMember(
        principal.workspaceId,
        user.id,
        normaliseRoles(request.body.roles),
      );
      if (!added) throw new AppError(409, 'already_member', 'that user is a member already');
      return reply.status(201).send(await store.people.getMember(principal.workspaceId, user.id));
    },
  );

  app.patch<{ Params: { userId: string }; Body: { roles: RoleGrant[] } }>(
    '/members/:userId',
    {
      schema: {
        params: userParams,
        body: {
          type: 'object',
          required: ['roles'],
          additionalProperties: false,
          properties: { roles: rolesSchema },
        },
      },
    },
    async (request) => {
      const principal = authorize(request, 'workspace:admin');
      const { userId } = request.params;
      if ((await store.people.getMember(principal.workspaceId, userId)) === undefined)
        throw notFound('member');
      const roles = normaliseRoles(request.body.roles);
      if (await lastOwner(principal.workspaceId, userId, roles)) {
        throw new AppError(409, 'last_owner', 'a workspace keeps at least one Workspace Owner');
      }
      await store.people.setMemberRoles(principal.workspaceId, userId, roles);
      return store.people.getMember(principal.workspaceId, userId);
    },
  );

  app.delete<{ Params: { userId: string } }>(
    '/members/:userId',
    { schema: { params: userParams } },
    async (request, reply) => {
      const principal = authorize(request, 'workspace:admin');
      const { userId } = request.params;
      if ((await store.people.getMember(principal.workspaceId, userId)) === undefined)
        throw notFound('member');
      if (await lastOwner(principal.workspaceId, userId)) {
        throw new AppError(409, 'last_owner', 'a workspace keeps at least one Workspace Owner');
      }
      await store.people.removeMember(principal.workspaceId, userId);
      return reply.status(204).send();
    },
  );

  app.post<{ Body: { email: string; roles: RoleGrant[] } }>(
    '/invitations',
    {
      schema: {
        body: {
          type: 'object',
          required: ['email', 'roles'],
          additionalProperties: false,
          properties: { email, roles: rolesSchema },
        },
      },
    },
    async (request, reply) => {
      const principal = authorize(request, 'workspace:admin');
      const invitation = await store.people.createInvitation({
        workspaceId: principal.workspaceId,
        email: request.body.email.trim(),
        roles: normaliseRoles(request.body.roles),
        invitedBy: principal.userId,
        ttlMs: INVITATION_TTL_MS,
      });
      // The token is shown once: the owner passes the link on (Switchyard sends no email).
      return reply.status(201).send(invitation);
    },
  );

  app.get('/invitations', async (request) => {
    const principal = authorize(request, 'workspace:admin');
    return { data: await store.people.listInvitations(principal.workspaceId) };
  });

  app.delete<{ Params: { id: string } }>(
    '/invitations/:id',
    {
      schema: {
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } },
      },
    },
    async (request, reply) => {
      const principal = authorize(request, 'workspace:admin');
      if (!(await store.people.revokeInvitation(principal.workspaceId, request.params.id)))
        throw notFound('invitation');
      return reply.status(204).send();
    },
  );

  app.post<{ Body: { token: string; name?: string; password?: string } }>(
    '/invitations/accept',
    {
      config: { public: true, audit: false },
      schema: {
        body: {
          type: 'object',
          required: ['token'],
          additionalProperties: false,
          properties: {
            token: { type: 'string', minLength: 1, maxLength: 200 },
            name: { type: 'string', minLength: 1, maxLength: 200 },
            password: { type: 'string', maxLength: 1024 },
          },
        },
      },
    },
    async (request) => {
      const invitation = await store.people.findInvitation(request.body.token, Date.now());
      if (invitation === undefined)
        throw new AppError(404, 'not_found', 'the invitation is not valid, or was used, revoked or expired');
      let user = await store.people.findUserByEmail(invitation.email);
      if (user === undefined) {
        const { password, name } = request.body;
        const problem = password === undefined ? 'a new account needs a password' : passwordProblem(password);
        if (problem)
          throw new AppError(400, 'invalid_request', `password: ${problem}`, { field: 'password' });
        const id = await store.people.createUser({
          email: invitation.email,
          name: name?.trim() || invitation.email,
          passwordHash: await hashPassword(password!),
        });
        user = (await store.people.findUser(id))!;
      }
      // The membership and its audit event commit together.
      const joined = pendingAudit({
        workspaceId: invitation.workspaceId,
        actor: { type: 'user', id: user.id, label: user.email },
        action: 'invitations.accept',
        outcome: 'ok',
        resourceType: 'invitations',
        resourceId: invitation.id,
        ip: request.ip,
        summary: { roles: invitation.roles },
      });
      const accepted = await withPendingAudit(joined, () =>
        store.people.acceptInvitation(invitation.id, user.id, Date.now()),
      );
      if (!accepted)
        throw new AppError(404, 'not_found', 'the invitation is not valid, or was used, revoked or expired');
      return {
        workspaceId: invitation.workspaceId,
        userId: user.id,
        email: user.email,
      };
    },
  );
}
