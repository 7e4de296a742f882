// What the editor needs before a function exists: the template it opens on, and test runs of the draft
// (Segment lets you test a new function before you create it).
import type { FastifyInstance } from 'fastify';
import { DEFAULT_FUNCTION_CODE } from '../../functions/default-template.ts';
import { normaliseSettingDefinitions } from '../../functions/settings-schema.ts';
import { validateSettingValues } from '../../functions/setting-values.ts';
import { MAX_CODE_BYTES } from '../../functions/validate-code.ts';
import { AppError } from '../../server/app-error.ts';
import type { ApiContext } from '../api-context.ts';
import { authorizeSome } from '../authenticate.ts';
import { MAX_TEST_EVENTS, runOnce } from './test-run-routes.ts';

interface DraftBody {
  code: string;
  settings?: unknown[];
  values?: Record<string, unknown>;
  event?: Record<string, unknown>;
  events?: Record<string, unknown>[];
}

export async function draftRoutes(app: FastifyInstance, { runtime }: ApiContext): Promise<void> {
  app.get(
    '/functions/template',
    { schema: { tags: ['functions'], summary: 'The code a new function starts from (every handler)' } },
    async (request) => {
      authorizeSome(request, 'functions:read');
      return { code: DEFAULT_FUNCTION_CODE };
    },
  );

  app.post<{ Body: DraftBody }>(
    '/functions/test',
    {
      schema: {
        tags: ['functions'],
        summary: 'Run a function that does not exist yet (code and settings as in the editor) on an event',
        body: {
          type: 'object',
          required: ['code'],
          additionalProperties: false,
          properties: {
            code: { type: 'string' },
            settings: { type: 'array', maxItems: 100 },
            values: { type: 'object' },
            event: { type: 'object' },
            events: { type: 'array', items: { type: 'object' }, minItems: 1, maxItems: MAX_TEST_EVENTS },
          },
        },
      },
    },
    async (request) => {
      // Whoever may create functions may run drafts of them.
      authorizeSome(request, 'functions:write');
      const body = request.body;
      if ((body.event === undefined) === (body.events === undefined)) {
        throw new AppError(400, 'invalid_request', 'send either event or events', { field: 'event' });
      }
      if (Buffer.byteLength(body.code) > MAX_CODE_BYTES) {
        throw new AppError(400, 'code_too_large', `code is over ${MAX_CODE_BYTES / 1024} KB`, {
          field: 'code',
        });
      }
      const definitions = normaliseSettingDefinitions(body.settings ?? []);
      const settings = validateSettingValues(
        definitions.map((d) => ({ ...d, required: false })),
        body.values ?? {},
        {},
      );
      return runOnce(runtime, {
        key: 'draft',
        code: body.code,
        settings,
        definitions,
        input: body.events !== undefined ? { events: body.events } : { event: body.event },
      });
    },
  );
}
