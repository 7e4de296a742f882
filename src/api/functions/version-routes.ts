import type { FastifyInstance } from 'fastify';
import { diffLines } from '../../functions/line-diff.ts';
import {
  openSettingValues,
  sealSettingValues,
  validateSettingValues,
} from '../../functions/setting-values.ts';
import { AppError, notFound } from '../../server/app-error.ts';
import type { ApiContext } from '../api-context.ts';
import { authorize, principalOf } from '../authenticate.ts';
import { definitionsOf } from '../../functions/settings-schema.ts';
import { findFunction, presentVersion } from './function-lookup.ts';
import { authorOf, idParams } from './function-routes.ts';

const versionParams = {
  type: 'object',
  required: ['id', 'versionId'],
  properties: { id: { type: 'string', maxLength: 64 }, versionId: { type: 'string', maxLength: 64 } },
} as const;

/** Versions, restore, diff and deploy: the editor's history view and "Save & Deploy". */
export async function versionRoutes(app: FastifyInstance, { store, secrets }: ApiContext): Promise<void> {
  const deployedBy = async (functionId: string) => {
    const byVersion = new Map<string, string[]>();
    for (const d of await store.destinations.listByFunction(functionId)) {
      byVersion.set(d.versionId, [...(byVersion.get(d.versionId) ?? []), d.id]);
    }
    return byVersion;
  };

  app.get<{ Params: { id: string }; Querystring: { limit: number; before?: number } }>(
    '/functions/:id/versions',
    {
      schema: {
        tags: ['versions'],
        summary: 'Versions newest first, marking LATEST and the destinations that run each',
        params: idParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
            before: { type: 'integer', minimum: 1 },
          },
        },
      },
    },
    async (request) => {
      const { fn } = await findFunction(store, request, request.params.id, 'functions:read');
      const versions = await store.functions.listVersions(fn.id, {
        limit: request.query.limit,
        before: request.query.before,
      });
      const deployed = await deployedBy(fn.id);
      const last = versions.at(-1);
      return {
        data: versions.map((v) => presentVersion(v, fn.latestVersionId, deployed.get(v.id) ?? [], false)),
        // Versions are numbered, so the next page is simply "before the last number shown".
        next: versions.length === request.query.limit && last && last.number > 1 ? String(last.number) : null,
      };
    },
  );

  app.get<{ Params: { id: string; versionId: string } }>(
    '/functions/:id/versions/:versionId',
    { schema: { tags: ['versions'], summary: 'One version with its code', params: versionParams } },
    async (request) => {
      const { fn } = await findFunction(store, request, request.params.id, 'functions:read');
      const version = await store.functions.getVersion(fn.id, request.params.versionId);
      if (version === undefined) throw notFound('version');
      return presentVersion(
        version,
        fn.latestVersionId,
        (await deployedBy(fn.id)).get(version.id) ?? [],
        true,
      );
    },
  );

  app.post<{ Params: { id: string }; Body: { versionId: string } }>(
    '/functions/:id/versions',
    {
      schema: {
        tags: ['versions'],
        summary: 'Restore: a copy of an earlier version becomes the new LATEST (deploy it to run it)',
        params: idParams,
        body: {
          type: 'object',
          required: ['versionId'],
          additionalProperties: false,
          properties: { versionId: { type: 'string', maxLength: 64 } },
        },
      },
    },
    async (request, reply) => {
      const { fn } = await findFunction(store, request, request.params.id, 'functions:write');
      // Only this function's versions: another function's version id is as unknown as a made-up one.
      const source = await store.functions.getVersion(fn.id, request.body.versionId);
      if (source === undefined)
        throw new AppError(404, 'not_found', 'version not found', { field: 'versionId' });
      const restored = await store.functions.addVersion(fn.id, {
        code: source.code,
        handlers: source.handlers,
        settings: source.settings,
        author: authorOf(principalOf(request)),
      });
      return reply
        .status(201)
        .send({ ...presentVersion(restored, restored.id, [], true), restoredFrom: source.id });
    },
  );

  app.get<{ Params: { id: string; from: string; to: string } }>(
    '/functions/:id/versions/:from/diff/:to',
    {
      schema: {
        tags: ['versions'],
        summary: 'Line diff of code and the change in settings between two versions',
        params: {
          type: 'object',
          required: ['id', 'from', 'to'],
          properties: {
            id: { type: 'string', maxLength: 64 },
            from: { type: 'string', maxLength: 64 },
            to: { type: 'string', maxLength: 64 },
          },
        },
      },
    },
    async (request) => {
      const { fn } = await findFunction(store, request, request.params.id, 'functions:read');
      const [from, to] = await Promise.all([
        store.functions.getVersion(fn.id, request.params.from),
        store.functions.getVersion(fn.id, request.params.to),
      ]);
      if (from === undefined || to === undefined) throw notFound('version');
      const before = new Map(definitionsOf(from).map((d) => [d.name, d]));
      const after = new Map(definitionsOf(to).map((d) => [d.name, d]));
      return {
        from: { id: from.id, number: from.number },
        to: { id: to.id, number: to.number },
        code: diffLines(from.code, to.code),
        settings: {
          added: [...after.values()].filter((d) => !before.has(d.name)),
          removed: [...before.values()].filter((d) => !after.has(d.name)),
          changed: [...after.values()].filter(
            (d) => before.has(d.name) && JSON.stringify(before.get(d.name)) !== JSON.stringify(d),
          ),
        },
      };
    },
  );

  app.post<{ Params: { id: string }; Body: { destinationIds?: string[] } }>(
    '/functions/:id/deploy',
    {
      schema: {
        tags: ['versions'],
        summary: 'Save & Deploy: move the chosen destinations (all when omitted) to LATEST',
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            destinationIds: {
              type: 'array',
              items: { type: 'string', maxLength: 64 },
              maxItems: 1000,
              uniqueItems: true,
            },
          },
        },
      },
    },
    async (request) => {
      const { fn, latest } = await findFunction(store, request, request.params.id, 'functions:write');
      const all = await store.destinations.listByFunction(fn.id);
      const wanted = request.body?.destinationIds;
      const targets = wanted === undefined ? all : wanted.map((id) => all.find((d) => d.id === id));
      const missing = wanted?.find((_, i) => targets[i] === undefined);
      if (missing !== undefined) {
        throw new AppError(404, 'not_found', `destination ${missing} does not run this function`, {
          field: 'destinationIds',
        });
      }
      const definitions = definitionsOf(latest);
      const patches = targets.map((destination) => {
        // Deploying to a connected destination needs Source Admin on its sources, as in Segment.
        for (const sourceId of destination!.sourceIds) authorize(request, 'sources:connect', sourceId);
        // Values of settings the new version no longer has are dropped; the rest must satisfy it (a new
        // required setting, say). Re-sealing encrypts a setting that has become sensitive.
        const current = openSettingValues(destination!.settings, secrets);
        const kept = Object.fromEntries(
          Object.entries(current).filter(([name]) => definitions.some((d) => d.name === name)),
        );
        const values = validateSettingValues(
          definitions,
          kept,
          {},
          `destinations.${destination!.id}.settings`,
        );
        return {
          id: destination!.id,
          patch: { versionId: latest.id, settings: sealSettingValues(definitions, values, secrets) },
        };
      });
      await store.destinations.updateMany(principalOf(request).workspaceId, patches);
      return { versionId: latest.id, versionNumber: latest.number, deployed: patches.map((p) => p.id) };
    },
  );
}
