import type { FastifyInstance } from 'fastify';
import { auditRoutes } from './access/audit-routes.ts';
import { memberRoutes } from './access/member-routes.ts';
import { sessionRoutes } from './access/session-routes.ts';
import { tokenRoutes } from './access/token-routes.ts';
import { usageRoutes } from './access/usage-routes.ts';
import { workspaceRoutes } from './access/workspace-routes.ts';
import type { ApiContext } from './api-context.ts';
import { installAuditTrail } from './audit-trail.ts';
import { requireCaller } from './authenticate.ts';
import { deliveryRoutes } from './deliveries/delivery-routes.ts';
import { regulationRoutes } from './deliveries/regulation-routes.ts';
import { destinationRoutes } from './destinations/destination-routes.ts';
import { filterRoutes } from './destinations/filter-routes.ts';
import { draftRoutes } from './functions/draft-routes.ts';
import { functionRoutes } from './functions/function-routes.ts';
import { testRunRoutes } from './functions/test-run-routes.ts';
import { versionRoutes } from './functions/version-routes.ts';
import { sourceRoutes } from './sources/source-routes.ts';

/** The management API under /api/v1: JSON, bearer tokens, errors as {"error": {code, message}}. */
export async function apiRoutes(app: FastifyInstance, options: ApiContext): Promise<void> {
  // Only the context: Fastify's own options (the prefix) must not be passed on to the children.
  const context: ApiContext = { store: options.store, secrets: options.secrets, runtime: options.runtime };
  requireCaller(app, context.store);
  installAuditTrail(app, context.store);
  const store = { store: context.store };
  await app.register(sessionRoutes, store);
  await app.register(workspaceRoutes, store);
  await app.register(memberRoutes, store);
  await app.register(tokenRoutes, store);
  await app.register(auditRoutes, store);
  await app.register(usageRoutes, store);
  await app.register(sourceRoutes, store);
  await app.register(draftRoutes, context);
  await app.register(functionRoutes, context);
  await app.register(versionRoutes, context);
  await app.register(testRunRoutes, context);
  await app.register(destinationRoutes, context);
  await app.register(filterRoutes, context);
  await app.register(deliveryRoutes, context);
  await app.register(regulationRoutes, context);
}
