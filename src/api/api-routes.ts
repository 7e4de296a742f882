import type { FastifyInstance } from 'fastify';
import type { ApiContext } from './api-context.ts';
import { requireBearerToken } from './authenticate.ts';
import { deliveryRoutes } from './deliveries/delivery-routes.ts';
import { regulationRoutes } from './deliveries/regulation-routes.ts';
import { destinationRoutes } from './destinations/destination-routes.ts';
import { filterRoutes } from './destinations/filter-routes.ts';
import { functionRoutes } from './functions/function-routes.ts';
import { testRunRoutes } from './functions/test-run-routes.ts';
import { versionRoutes } from './functions/version-routes.ts';
import { sourceRoutes } from './sources/source-routes.ts';

/** The management API under /api/v1: JSON, bearer tokens, errors as {"error": {code, message}}. */
export async function apiRoutes(app: FastifyInstance, options: ApiContext): Promise<void> {
  // Only the context: Fastify's own options (the prefix) must not be passed on to the children.
  const context: ApiContext = { store: options.store, secrets: options.secrets, runtime: options.runtime };
  requireBearerToken(app, context.store.access);
  await app.register(sourceRoutes, { store: context.store });
  await app.register(functionRoutes, context);
  await app.register(versionRoutes, context);
  await app.register(testRunRoutes, context);
  await app.register(destinationRoutes, context);
  await app.register(filterRoutes, context);
  await app.register(deliveryRoutes, context);
  await app.register(regulationRoutes, context);
}
