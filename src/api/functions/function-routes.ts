import type { FastifyInstance } from 'fastify';
import { DEFAULT_FUNCTION_CODE } from '../../functions/default-template.ts';
import { normaliseSettingDefinitions } from '../../functions/settings-schema.ts';
import { validateCode } from '../../functions/validate-code.ts';
import { AppError, notFound, nonBlank } from '../../server/app-error.ts';
import type { ApiContext } from '../api-context.ts';
import { authorize, authorizeSome, principalOf } from '../authenticate.ts';
import { isAllowed } from '../permissions.ts';
import { findFunction, presentFunction } from './function-lookup.ts';

// Setting definitions are checked by normaliseSettingDefinitions, which names the one at fault.
const settingSchema = { type: 'object' } as const;

const functionBody = {
  displayName: { type: 'string', minLength: 1, maxLength: 120 },
  description: { type: 'string', maxLength: 2000 },
  code: { type: 'string' },
  settings: { type: 'array', items: settingSchema },
  resourceType: { type: 'string', enum: ['DESTINATION'] },
} as const;

export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', maxLength: 64 } },
} as const;

export const pageQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
    cursor: { type: 'string', maxLength: 200 },
  },
} as const;

interface FunctionBody {
  displayName?: string;
  description?: string;
  code?: string;
  settings?: unknown[];
}

/** The author recorded on a version: the member, or the token for a workspace token. */
export const authorOf = (principal: { userId: string | null; tokenId: string }) =>
  principal.userId ?? principal.tokenId;

export async function functionRoutes(app: FastifyInstance, { store, secrets }: ApiContext): Promise<void> {
  app.post<{ Body: FunctionBody & { displayName: string } }>(
    '/functions',
    {
      schema: {
        tags: ['functions'],
        summary: 'Create a destination function (the new function starts at version 1)',
        body: {
          type: 'object',
          required: ['displayName'],
          additionalProperties: false,
          properties: functionBody,
        },
      },
    },
    async (request, reply) => {
      const principal = authorize(request, 'functions:write');
      const displayName = nonBlank(request.body.displayName, 'displayName');
      // A function created without code starts from the editor's template, every handler present.
      const { code, handlers } = validateCode(request.body.code ?? DEFAULT_FUNCTION_CODE);
      const settings = normaliseSettingDefinitions(request.body.settings);
      const { fn, version } = await store.functions.create(
        {
          workspaceId: principal.workspaceId,
          displayName,
          description: request.body.description ?? '',
          testSettings: '{}',
        },
        { code, handlers, settings: JSON.stringify(settings), author: authorOf(principal) },
      );
      return reply.status(201).send(presentFunction(fn, version, secrets));
    },
  );

  app.get<{ Querystring: { limit: number; cursor?: string } }>(
    '/functions',
    { schema: { tags: ['functions'], summary: 'List functions', querystring: pageQuery } },
    async (request) => {
      const principal = authorizeSome(request, 'functions:read');
      const page = await store.functions.list(principal.workspaceId, request.query);
      const data = [];
      for (const fn of page.data.filter((f) => isAllowed(principal, 'functions:read', f.id))) {
        const latest = await store.functions.getVersion(fn.id, fn.latestVersionId);
        if (latest) data.push(presentFunction(fn, latest, secrets, false));
      }
      return { data, next: page.next };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/functions/:id',
    {
      schema: {
        tags: ['functions'],
        summary: 'Get a function with its latest code and settings',
        params: idParams,
      },
    },
    async (request) => {
      const { fn, latest } = await findFunction(store, request, request.params.id, 'functions:read');
      return presentFunction(fn, latest, secrets);
    },
  );

  app.patch<{ Params: { id: string }; Body: FunctionBody }>(
    '/functions/:id',
    {
      schema: {
        tags: ['functions'],
        summary:
          'Save: a change to code or settings makes a new version (LATEST); running destinations are not touched',
        params: idParams,
        body: { type: 'object', additionalProperties: false, properties: functionBody, minProperties: 1 },
      },
    },
    async (request) => {
      const { fn, latest } = await findFunction(store, request, request.params.id, 'functions:write');
      const body = request.body;
      const displayName =
        body.displayName === undefined ? undefined : nonBlank(body.displayName, 'displayName');
      // Validate everything before writing anything: nothing is half-saved.
      const code = body.code === undefined ? undefined : validateCode(body.code);
      const settings = body.settings === undefined ? undefined : normaliseSettingDefinitions(body.settings);
      const updated = await store.functions.update(principalOf(request).workspaceId, fn.id, {
        ...(displayName === undefined ? {} : { displayName }),
        ...(body.description === undefined ? {} : { description: body.description }),
      });
      let version = latest;
      if (code !== undefined || settings !== undefined) {
        version = await store.functions.addVersion(fn.id, {
          code: code?.code ?? latest.code,
          handlers: code?.handlers ?? latest.handlers,
          settings: settings === undefined ? latest.settings : JSON.stringify(settings),
          author: authorOf(principalOf(request)),
        });
      }
      return presentFunction({ ...(updated ?? fn), latestVersionId: version.id }, version, secrets);
    },
  );

  app.delete<{ Params: { id: string }; Querystring: { force?: boolean } }>(
    '/functions/:id',
    {
      schema: {
        tags: ['functions'],
        summary: 'Delete a function; refused while destinations run it unless force=true deletes them too',
        params: idParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { force: { type: 'boolean', default: false } },
        },
      },
    },
    async (request, reply) => {
      const { fn } = await findFunction(store, request, request.params.id, 'functions:write');
      const workspaceId = principalOf(request).workspaceId;
      const destinations = await store.destinations.listByFunction(fn.id);
      if (destinations.length > 0 && request.query.force !== true) {
        throw new AppError(
          409,
          'function_deployed',
          `${destinations.length} destination(s) run this function; delete them first or pass ?force=true`,
          { info: { destinationIds: destinations.map((d) => d.id) } },
        );
      }
      for (const destination of destinations) {
        for (const sourceId of destination.sourceIds) authorize(request, 'sources:connect', sourceId);
      }
      for (const destination of destinations) await store.destinations.delete(workspaceId, destination.id);
      if (!(await store.functions.delete(workspaceId, fn.id))) throw notFound('function');
      return reply.status(204).send();
    },
  );
}
