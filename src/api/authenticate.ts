import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../server/app-error.ts';
import type { AccessRepository, Principal } from '../store/store.ts';
import { type Permission, isAllowed } from './permissions.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/** Every route in the scope needs `Authorization: Bearer <token>`; the caller becomes request.principal. */
export function requireBearerToken(app: FastifyInstance, access: AccessRepository): void {
  app.decorateRequest('principal', undefined);
  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    const match = header === undefined ? null : /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1])
      throw new AppError(401, 'unauthorized', 'send an API token as "Authorization: Bearer <token>"');
    const principal = await access.authenticate(match[1]);
    if (principal === undefined) throw new AppError(401, 'unauthorized', 'the API token is not valid');
    request.principal = principal;
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
