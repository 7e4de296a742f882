// Every change attempted through the management API leaves an audit event: who, what, which resource,
// from where, allowed or not, and the names of what changed (values only where they are not secret).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuditActor, NewAuditEvent } from '../store/audit-repository.ts';
import { type PendingAudit, pendingAudit, withPendingAudit } from '../store/audited-write.ts';
import type { Principal, Store } from '../store/store.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The audit event this change request records (with its change, or on its own). */
    pendingAudit?: PendingAudit;
  }
  interface FastifyContextConfig {
    /** false: the route writes its own audit events (sign-in knows who tried when nobody is signed in). */
    audit?: false;
  }
}

const CHANGES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Fields whose values are safe and useful in the trail; every other field is named, not shown. */
const SHOWN = new Set([
  'name',
  'displayName',
  'description',
  'enabled',
  'roles',
  'email',
  'status',
  'category',
  'since',
  'until',
  'eventType',
  'userIds',
  'versionId',
  'functionId',
  'sourceIds',
  'workspaceId',
]);

export function actorOf(principal: Principal): AuditActor {
  return {
    type: principal.via === 'session' ? 'user' : 'token',
    id: principal.via === 'session' ? principal.userId : principal.tokenId,
    label: principal.label,
  };
}

/** The names (and safe values) of a request body's fields; settings list their names only. */
export function summarise(body: unknown): Record<string, unknown> | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const summary: Record<string, unknown> = {};
  const named: string[] = [];
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (SHOWN.has(key)) summary[key] = value;
    else named.push(key);
  }
  const settings = (body as { settings?: unknown }).settings;
  if (typeof settings === 'object' && settings !== null && !Array.isArray(settings)) {
    summary.settingNames = Object.keys(settings);
  }
  if (named.length > 0) summary.fields = named;
  return Object.keys(summary).length > 0 ? summary : undefined;
}

export function installAuditTrail(app: FastifyInstance, store: Store): void {
  app.decorateRequest('pendingAudit', undefined);
  // Each change route runs with the event it would record: its first write commits that event in the same
  // transaction as the change (src/store/audited-write.ts).
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!methods.some((method) => CHANGES.has(method)) || route.config?.audit === false) return;
    const handler = route.handler;
    route.handler = function (this: FastifyInstance, request, reply) {
      const principal = request.principal;
      if (principal === undefined) return handler.call(this, request, reply);
      const audit = pendingAudit(eventOf(request, principal));
      request.pendingAudit = audit;
      return withPendingAudit(audit, () => handler.call(this, request, reply));
    };
  });
  // A request whose change did not happen (refused, invalid, failed) or that wrote nothing through a
  // repository records its event here, before the answer goes out.
  app.addHook('onSend', async (request, reply, payload) => {
    if (!CHANGES.has(request.method) || request.routeOptions.config.audit === false) return payload;
    if (request.pendingAudit?.written) return payload;
    const principal = request.principal;
    // Without a caller there is no workspace to file it under (unknown tokens are answered 401 and logged).
    if (principal === undefined) return payload;
    const status = reply.statusCode;
    const created =
      status === 201 && typeof payload === 'string'
        ? /^\{"id":"([^"]{1,100})"/.exec(payload)?.[1]
        : undefined;
    // A request refused before its handler (an invalid body) has no pending event yet.
    const event = request.pendingAudit?.event ?? eventOf(request, principal);
    await recordAudit(store, request, {
      ...event,
      outcome: status < 400 ? 'ok' : status === 403 || status === 404 ? 'denied' : 'failed',
      resourceId: event.resourceId ?? created,
      summary: { status, ...event.summary },
    });
    return payload;
  });
}

/** The event a change request records: who, what, which resource (from the route), and the fields sent. */
function eventOf(request: FastifyRequest, principal: Principal): NewAuditEvent {
  return {
    workspaceId: principal.workspaceId,
    actor: actorOf(principal),
    action: actionOf(request),
    outcome: 'ok',
    resourceType: resourceTypeOf(request),
    resourceId: (request.params as { id?: string } | undefined)?.id,
    ip: request.ip,
    summary: summarise(request.body),
  };
}

/** Writes an audit event; a failure to write is logged, never turned into the caller's error. */
export async function recordAudit(
  store: Store,
  request: FastifyRequest,
  event: Omit<NewAuditEvent, 'ip'>,
): Promise<void> {
  try {
    await store.audit.record({ ...event, ip: request.ip });
  } catch (error) {
    request.log.error({ err: error, action: event.action }, 'could not write the audit event');
  }
}

/** `POST /api/v1/functions/:id/versions` → `functions.versions.create`. */
function actionOf(request: FastifyRequest): string {
  const parts = (request.routeOptions.url ?? request.url)
    .replace(/^\/api\/v1\//, '')
    .split('/')
    .filter((part) => part !== '' && !part.startsWith(':'));
  const verb =
    { POST: 'create', PUT: 'update', PATCH: 'update', DELETE: 'delete' }[request.method] ?? request.method;
  // A POST to an action route (…/deploy, …/replay, …/test) names the action itself.
  const last = parts.at(-1) ?? '';
  const isAction = request.method === 'POST' && parts.length > 1 && !last.endsWith('s');
  return isAction ? parts.join('.') : [...parts, verb].join('.');
}

function resourceTypeOf(request: FastifyRequest): string | undefined {
  return (request.routeOptions.url ?? '').replace(/^\/api\/v1\//, '').split('/')[0] || undefined;
}
