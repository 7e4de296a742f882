import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../server/app-error.ts';
import type { Store, Principal } from '../store/store.ts';
import { type Permission, isAllowed, isAllowedOnSome } from './permissions.ts';
import { RefusalThrottle } from './refusal-throttle.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** Reachable without credentials (sign-in, accepting an invitation). */
    public?: boolean;
  }
}

/** The browser session cookie: HttpOnly, SameSite=Lax; its value is a random secret stored hashed. */
export const SESSION_COOKIE = 'sy_session';
/** Cookie-authenticated changes must echo the session's CSRF token in this header. */
export const CSRF_HEADER = 'x-csrf-token';
const CHANGES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Every route in the scope needs a caller: `Authorization: Bearer <token>` (API, CLI, scripts) or the session
 * cookie (the web app). A cookie alone never authorises a change: a page on another site can make the browser
 * send the cookie, but it cannot read the CSRF token that must come with it.
 */
export function requireCaller(app: FastifyInstance, store: Store): void {
  const refusals = new RefusalThrottle<RefusedUse>();
  // Refusals held back by the throttle are written once their window ends (the client stopped) and at
  // shutdown, so that the trail counts every one.
  const recordHeldBack = async (all: boolean) => {
    // The row is the last refusal held back, counting the others before it.
    for (const { count, last } of refusals.takeUnrecorded(Date.now(), all))
      await recordRefusal(store, last, count - 1).catch((error: unknown) =>
        app.log.error({ err: error }, 'could not write the audit event'),
      );
  };
  const sweep = setInterval(() => void recordHeldBack(false), REFUSAL_SWEEP_MS);
  sweep.unref();
  app.addHook('onClose', async () => {
    clearInterval(sweep);
    await recordHeldBack(true);
  });
  app.decorateRequest('principal', undefined);
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config.public === true) return;
    const header = request.headers.authorization;
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!match?.[1])
        throw new AppError(401, 'unauthorized', 'send an API token as "Authorization: Bearer <token>"');
      const principal = await store.access.authenticate(match[1]);
      if (principal === undefined) {
        // A token that once worked is worth a line in its workspace's trail (one per token every ten minutes,
        // with how many refusals it stands for); an unknown one has no workspace.
        const known = await store.access.describeToken(match[1]);
        if (known !== undefined) {
          const use: RefusedUse = {
            workspaceId: known.workspaceId,
            tokenId: known.id,
            tokenName: known.name,
            state: known.state,
            method: request.method,
            url: request.url.slice(0, 200),
            ip: request.ip,
          };
          const admitted = refusals.admit(known.id, Date.now(), use);
          if (admitted !== undefined) {
            await recordRefusal(store, use, admitted.unrecorded).catch((error: unknown) => {
              // Not written: the next refusal is recorded instead of being silenced for ten minutes.
              refusals.forget(known.id);
              request.log.error({ err: error }, 'could not write the audit event');
            });
          }
        }
        throw new AppError(401, 'unauthorized', 'the API token is not valid, or was revoked or expired');
      }
      request.principal = principal;
      return;
    }
    const cookie = readCookie(request.headers.cookie, SESSION_COOKIE);
    if (cookie === undefined)
      throw new AppError(
        401,
        'unauthorized',
        'sign in, or send an API token as "Authorization: Bearer <token>"',
      );
    const session = await store.people.sessionByToken(cookie, Date.now());
    if (session === undefined)
      throw new AppError(401, 'unauthorized', 'the session has ended: sign in again');
    if (CHANGES.has(request.method)) {
      const sent = request.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !sameSecret(sent, session.csrfToken)) {
        throw new AppError(403, 'csrf_failed', `changes from the browser need the ${CSRF_HEADER} header`);
      }
    }
    request.principal = {
      via: 'session',
      tokenId: session.id,
      workspaceId: session.workspaceId,
      userId: session.userId,
      label: session.email,
      roles: session.roles,
      csrfToken: session.csrfToken,
    };
  });
}

/** How often refusals held back by the throttle are looked at, to write those whose window has ended. */
const REFUSAL_SWEEP_MS = 60_000;

/** One refused use of a known token: what its trail row says. */
interface RefusedUse {
  readonly workspaceId: string;
  readonly tokenId: string;
  readonly tokenName: string;
  readonly state: string;
  readonly method: string;
  readonly url: string;
  readonly ip: string;
}

/** `use`, plus the refusals of the same token before it that no row has counted (`earlier`). */
function recordRefusal(store: Store, use: RefusedUse, earlier: number): Promise<void> {
  return store.audit.record({
    workspaceId: use.workspaceId,
    actor: { type: 'token', id: use.tokenId, label: use.tokenName },
    action: 'auth.token-refused',
    outcome: 'denied',
    ip: use.ip,
    summary: {
      state: use.state,
      method: use.method,
      url: use.url,
      ...(earlier > 0 ? { refusedSinceLastRecorded: earlier } : {}),
    },
  });
}

/** The authenticated caller (the onRequest hook guarantees one inside the API scope). */
export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === undefined) throw new AppError(401, 'unauthorized', 'authentication required');
  return request.principal;
}

/** The caller, if allowed `permission` (on `resourceId`); otherwise a 403 with nothing done. */
export function authorize(request: FastifyRequest, permission: Permission, resourceId?: string): Principal {
  const principal = principalOf(request);
  if (!isAllowed(principal, permission, resourceId)) {
    throw new AppError(403, 'forbidden', `your role does not allow ${permission}`);
  }
  return principal;
}

/** One cookie's value from a Cookie header; undefined when absent or malformed. */
function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      return /^[A-Za-z0-9_-]{1,200}$/.test(value) ? value : undefined;
    }
  }
  return undefined;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** For lists: the caller, if allowed `permission` on at least some resources (the list shows only those). */
export function authorizeSome(request: FastifyRequest, permission: Permission): Principal {
  const principal = principalOf(request);
  if (!isAllowedOnSome(principal, permission)) {
    throw new AppError(403, 'forbidden', `your role does not allow ${permission}`);
  }
  return principal;
}
