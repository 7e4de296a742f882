import type { FastifyInstance } from 'fastify';
import type { Store } from '../store/store.ts';
import { requireBearerToken } from './authenticate.ts';
import { sourceRoutes } from './sources/source-routes.ts';

/** The management API under /api/v1: JSON, bearer tokens, errors as {"error": {code, message}}. */
export async function apiRoutes(app: FastifyInstance, options: { store: Store }): Promise<void> {
  requireBearerToken(app, options.store.access);
  await app.register(sourceRoutes, { store: options.store });
}
