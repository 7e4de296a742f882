// Sign-in for the web app: an HttpOnly, SameSite session cookie plus a CSRF token the app sends with changes.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { verifyPassword } from '../../access/password.ts';
import { SignInLimiter } from '../../access/sign-in-limiter.ts';
import { AppError } from '../../server/app-error.ts';
import { pendingAudit, withPendingAudit } from '../../store/audited-write.ts';
import type { Store } from '../../store/store.ts';
import { recordAudit } from '../audit-trail.ts';
import { SESSION_COOKIE, principalOf } from '../authenticate.ts';

export const SESSION_TTL_MS = 7 * 86_400_000;

export interface SessionRouteOptions {
  readonly store: Store;
  readonly limiter?: SignInLimiter;
}

const credentials = {
  type: 'object',
  required: ['email', 'password'],
  additionalProperties: false,
  properties: {
    email: { type: 'string', minLength: 3, maxLength: 320 },
    password: { type: 'string', minLength: 1, maxLength: 1024 },
    workspaceId: { type: 'string', maxLength: 64 },
  },
} as const;

export async function sessionRoutes(app: FastifyInstance, options: SessionRouteOptions): Promise<void> {
  const { store } = options;
  const limiter = options.limiter ?? new SignInLimiter();

  app.post<{ Body: { email: string; password: string; workspaceId?: string } }>(
    '/auth/sign-in',
    { config: { public: true, audit: false }, schema: { body: credentials } },
    async (request, reply) => {
      const email = request.body.email.trim().toLowerCase();
      const wait = limiter.retryAfterMs(email, request.ip);
      if (wait > 0) {
        throw new AppError(429, 'too_many_attempts', 'too many failed sign-ins: try again later', {
          headers: { 'retry-after': String(Math.ceil(wait / 1000)) },
        });
      }
      const user = await store.people.findUserByEmail(email);
      // Unknown email and wrong password take the same time and give the same answer.
      const valid = await verifyPassword(request.body.password, user?.passwordHash ?? null);
      const workspaces = user ? await store.people.workspacesOf(user.id) : [];
      if (!user || !valid || workspaces.length === 0) {
        limiter.recordFailure(email, request.ip);
        for (const workspace of workspaces) {
          await recordAudit(store, request, {
            workspaceId: workspace.id,
            actor: { type: 'anonymous', id: null, label: email },
            action: 'auth.sign-in',
            outcome: 'failed',
            resourceType: 'users',
            resourceId: user?.id,
          });
        }
        throw new AppError(401, 'invalid_credentials', 'the email or password is not right');
      }
      limiter.recordSuccess(email);
      const chosen = request.body.workspaceId;
      const workspace =
        chosen === undefined ? workspaces[0]! : workspaces.find((candidate) => candidate.id === chosen);
      if (workspace === undefined) throw new AppError(404, 'not_found', 'workspace not found');
      // The session and its audit event commit together.
      const signedIn = pendingAudit({
        workspaceId: workspace.id,
        actor: { type: 'user', id: user.id, label: user.email },
        action: 'auth.sign-in',
        outcome: 'ok',
        resourceType: 'users',
        resourceId: user.id,
        ip: request.ip,
      });
      const session = await withPendingAudit(signedIn, () =>
        store.people.createSession({
          userId: user.id,
          workspaceId: workspace.id,
          ip: request.ip,
          ttlMs: SESSION_TTL_MS,
        }),
      );
      setSessionCookie(request, reply, session.token, SESSION_TTL_MS);
      return {
        user: { id: user.id, email: user.email, name: user.name },
        workspace: { id: workspace.id, name: workspace.name, roles: workspace.roles },
        workspaces: workspaces.map(({ id, name }) => ({ id, name })),
        csrfToken: session.csrfToken,
        expiresAt: new Date(session.expiresAt).toISOString(),
      };
    },
  );

  app.post('/auth/sign-out', async (request, reply) => {
    const principal = principalOf(request);
    if (principal.via === 'session') await store.people.revokeSession(principal.tokenId);
    setSessionCookie(request, reply, '', 0);
    return reply.status(204).send();
  });

  app.get('/me', async (request) => {
    const principal = principalOf(request);
    const user = principal.userId === null ? undefined : await store.people.findUser(principal.userId);
    const workspaces = user ? await store.people.workspacesOf(user.id) : [];
    return {
      user: user ? { id: user.id, email: user.email, name: user.name } : null,
      via: principal.via,
      workspaceId: principal.workspaceId,
      roles: principal.roles,
      workspaces: workspaces.map(({ id, name }) => ({ id, name })),
      // The web app reloads: it gets its CSRF token back from here.
      ...(principal.csrfToken === undefined ? {} : { csrfToken: principal.csrfToken }),
    };
  });

  app.post<{ Body: { workspaceId: string } }>(
    '/auth/workspace',
    {
      schema: {
        body: {
          type: 'object',
          required: ['workspaceId'],
          additionalProperties: false,
          properties: { workspaceId: { type: 'string', minLength: 1, maxLength: 64 } },
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      if (principal.via !== 'session')
        throw new AppError(
          400,
          'invalid_request',
          'a token belongs to one workspace; use that workspace’s token',
        );
      const member = await store.people.getMember(request.body.workspaceId, principal.userId!);
      if (member === undefined) throw new AppError(404, 'not_found', 'workspace not found');
      await store.people.switchWorkspace(principal.tokenId, request.body.workspaceId);
      return { workspaceId: request.body.workspaceId, roles: member.roles };
    },
  );
}

function setSessionCookie(request: FastifyRequest, reply: FastifyReply, value: string, ttlMs: number): void {
  // Secure when served over HTTPS (directly or behind a proxy that says so); plain HTTP on localhost works too.
  const secure = request.protocol === 'https' ? '; Secure' : '';
  void reply.header(
    'set-cookie',
    `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${Math.floor(ttlMs / 1000)}${secure}`,
  );
}
