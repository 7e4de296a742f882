import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  maskSettingValues,
  openSettingValues,
  sealSettingValues,
  validateSettingValues,
} from '../../functions/setting-values.ts';
import { AppError, notFound } from '../../server/app-error.ts';
import type { DestinationRecord } from '../../store/destination-repository.ts';
import type { Store } from '../../store/store.ts';
import type { ApiContext } from '../api-context.ts';
import { authorize, authorizeSome, principalOf } from '../authenticate.ts';
import { definitionsOf } from '../../functions/settings-schema.ts';
import { idParams, pageQuery } from '../functions/function-routes.ts';
import type { SecretBox } from '../../secrets/secret-box.ts';

const destinationBody = {
  name: { type: 'string', minLength: 1, maxLength: 200 },
  functionId: { type: 'string', maxLength: 64 },
  sourceIds: { type: 'array', items: { type: 'string', maxLength: 64 }, maxItems: 100, uniqueItems: true },
  settings: { type: 'object' },
  enabled: { type: 'boolean' },
  // Delays between attempts in ms; null or absent: Segment's schedule (9 retries over about 4 hours).
  retrySchedule: {
    type: ['array', 'null'],
    items: { type: 'integer', minimum: 0, maximum: 86_400_000 },
    minItems: 0,
    maxItems: 20,
  },
} as const;

interface DestinationBody {
  name: string;
  functionId: string;
  sourceIds?: string[];
  settings?: Record<string, unknown>;
  enabled?: boolean;
  retrySchedule?: number[] | null;
}

/**
 * The destination named in the path, if the caller may work on its function. Another workspace's
 * destination answers like a missing one.
 */
export async function findDestination(
  store: Store,
  request: FastifyRequest,
  id: string,
  permission: 'functions:read' | 'functions:write',
): Promise<DestinationRecord> {
  const destination = await store.destinations.get(principalOf(request).workspaceId, id);
  if (destination === undefined) throw notFound('destination');
  authorize(request, permission, destination.functionId);
  return destination;
}

/** Sources given by id must all be this workspace's, and the caller must be allowed to connect them. */
async function checkSources(
  store: Store,
  request: FastifyRequest,
  sourceIds: readonly string[],
): Promise<void> {
  const workspaceId = principalOf(request).workspaceId;
  for (const [i, sourceId] of sourceIds.entries()) {
    if ((await store.sources.get(workspaceId, sourceId)) === undefined) {
      throw new AppError(404, 'not_found', `source ${sourceId} not found`, { field: `sourceIds[${i}]` });
    }
    authorize(request, 'sources:connect', sourceId);
  }
}

export async function presentDestination(store: Store, secrets: SecretBox, destination: DestinationRecord) {
  const version = await store.functions.getVersion(destination.functionId, destination.versionId);
  return {
    id: destination.id,
    name: destination.name,
    functionId: destination.functionId,
    versionId: destination.versionId,
    versionNumber: version?.number,
    enabled: destination.enabled,
    sourceIds: destination.sourceIds,
    settings: maskSettingValues(version ? definitionsOf(version) : [], destination.settings, secrets),
    filters: JSON.parse(destination.filters) as unknown[],
    retrySchedule: destination.retrySchedule,
    createdAt: destination.createdAt,
    updatedAt: destination.updatedAt,
  };
}

export async function destinationRoutes(app: FastifyInstance, { store, secrets }: ApiContext): Promise<void> {
  app.post<{ Body: DestinationBody }>(
    '/destinations',
    {
      schema: {
        tags: ['destinations'],
        summary:
          "Deploy a function as a destination: it runs the function's LATEST version with its own settings",
        body: {
          type: 'object',
          required: ['name', 'functionId'],
          additionalProperties: false,
          properties: destinationBody,
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const body = request.body;
      const fn = await store.functions.get(principal.workspaceId, body.functionId);
      if (fn === undefined)
        throw new AppError(404, 'not_found', 'function not found', { field: 'functionId' });
      authorize(request, 'functions:write', fn.id);
      const sourceIds = body.sourceIds ?? [];
      await checkSources(store, request, sourceIds);
      const latest = await store.functions.getVersion(fn.id, fn.latestVersionId);
      if (latest === undefined)
        throw new AppError(404, 'not_found', 'function not found', { field: 'functionId' });
      const definitions = definitionsOf(latest);
      const values = validateSettingValues(definitions, body.settings);
      const created = await store.destinations.create({
        workspaceId: principal.workspaceId,
        functionId: fn.id,
        versionId: latest.id,
        name: body.name.trim(),
        enabled: body.enabled ?? true,
        settings: sealSettingValues(definitions, values, secrets),
        filters: '[]',
        sourceIds,
        retrySchedule: body.retrySchedule ?? null,
      });
      return reply.status(201).send(await presentDestination(store, secrets, created));
    },
  );

  app.get<{ Querystring: { limit: number; cursor?: string; functionId?: string } }>(
    '/destinations',
    {
      schema: {
        tags: ['destinations'],
        summary: 'List destinations (optionally of one function)',
        querystring: {
          ...pageQuery,
          properties: { ...pageQuery.properties, functionId: { type: 'string', maxLength: 64 } },
        },
      },
    },
    async (request) => {
      const principal = authorizeSome(request, 'functions:read');
      const page = await store.destinations.list(principal.workspaceId, request.query);
      const data = [];
      for (const destination of page.data) data.push(await presentDestination(store, secrets, destination));
      return { data, next: page.next };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/destinations/:id',
    {
      schema: {
        tags: ['destinations'],
        summary: 'Get a destination (sensitive settings masked)',
        params: idParams,
      },
    },
    async (request) =>
      presentDestination(
        store,
        secrets,
        await findDestination(store, request, request.params.id, 'functions:read'),
      ),
  );

  app.patch<{ Params: { id: string }; Body: Partial<Omit<DestinationBody, 'functionId'>> }>(
    '/destinations/:id',
    {
      schema: {
        tags: ['destinations'],
        summary: 'Rename, reconnect, re-configure, enable or disable; takes effect for the next event',
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: {
            name: destinationBody.name,
            sourceIds: destinationBody.sourceIds,
            settings: destinationBody.settings,
            enabled: destinationBody.enabled,
            retrySchedule: destinationBody.retrySchedule,
          },
        },
      },
    },
    async (request) => {
      const destination = await findDestination(store, request, request.params.id, 'functions:write');
      const body = request.body;
      if (body.sourceIds !== undefined) {
        // Both the sources connected now and those disconnected need Source Admin.
        const changed = [
          ...body.sourceIds,
          ...destination.sourceIds.filter((s) => !body.sourceIds!.includes(s)),
        ];
        await checkSources(
          store,
          request,
          changed.filter((s) => body.sourceIds!.includes(s)),
        );
        for (const sourceId of changed) authorize(request, 'sources:connect', sourceId);
      }
      let settings: string | undefined;
      if (body.settings !== undefined) {
        const version = await store.functions.getVersion(destination.functionId, destination.versionId);
        const definitions = version ? definitionsOf(version) : [];
        // A sensitive value sent back masked keeps what is stored.
        const values = validateSettingValues(
          definitions,
          body.settings,
          openSettingValues(destination.settings, secrets),
        );
        settings = sealSettingValues(definitions, values, secrets);
      }
      const updated = await store.destinations.update(principalOf(request).workspaceId, destination.id, {
        ...(body.name === undefined ? {} : { name: body.name.trim() }),
        ...(body.enabled === undefined ? {} : { enabled: body.enabled }),
        ...(body.sourceIds === undefined ? {} : { sourceIds: body.sourceIds }),
        ...(settings === undefined ? {} : { settings }),
        ...(body.retrySchedule === undefined ? {} : { retrySchedule: body.retrySchedule }),
      });
      if (updated === undefined) throw notFound('destination');
      return presentDestination(store, secrets, updated);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/destinations/:id',
    { schema: { tags: ['destinations'], summary: 'Delete a destination', params: idParams } },
    async (request, reply) => {
      const destination = await findDestination(store, request, request.params.id, 'functions:write');
      for (const sourceId of destination.sourceIds) authorize(request, 'sources:connect', sourceId);
      await store.destinations.delete(principalOf(request).workspaceId, destination.id);
      return reply.status(204).send();
    },
  );
}
