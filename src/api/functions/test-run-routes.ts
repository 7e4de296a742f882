import { createHash, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import {
  openSettingValues,
  sealSettingValues,
  validateSettingValues,
} from '../../functions/setting-values.ts';
import { MAX_CODE_BYTES } from '../../functions/validate-code.ts';
import { AppError } from '../../server/app-error.ts';
import type { ApiContext } from '../api-context.ts';
import { principalOf } from '../authenticate.ts';
import {
  type SettingDefinition,
  definitionsOf,
  normaliseSettingDefinitions,
} from '../../functions/settings-schema.ts';
import type { InvocationInput } from '../../runtime/function-runtime.ts';
import type { InvocationResult } from '../../runtime/invocation-result.ts';
import type { Invoker } from '../../runtime/invoker.ts';
import { findFunction, presentFunction } from './function-lookup.ts';
import { idParams } from './function-routes.ts';

export const MAX_TEST_EVENTS = 400;

/** Runs code once on a fresh instance (no state from an earlier test leaks in) and unloads it. */
export async function runOnce(
  runtime: Invoker,
  run: {
    key: string;
    code: string;
    settings: Record<string, unknown>;
    definitions: readonly SettingDefinition[];
    input: InvocationInput;
  },
): Promise<InvocationResult> {
  const id = `test:${run.key}:${randomUUID()}`;
  try {
    return await runtime.invoke(
      {
        id,
        versionId: createHash('sha256').update(run.code).digest('hex'),
        code: run.code,
        settings: run.settings,
        sensitiveSettings: run.definitions.filter((d) => d.sensitive).map((d) => d.name),
      },
      run.input,
    );
  } finally {
    runtime.unload(id);
  }
}

interface TestBody {
  event?: Record<string, unknown>;
  events?: Record<string, unknown>[];
  settings?: Record<string, unknown>;
  code?: string;
  definitions?: unknown[];
}

/** The editor's Test tab: run saved code or an unsaved draft on an event; nothing is stored or delivered. */
export async function testRunRoutes(
  app: FastifyInstance,
  { store, secrets, runtime }: ApiContext,
): Promise<void> {
  app.post<{ Params: { id: string }; Body: TestBody }>(
    '/functions/:id/test',
    {
      schema: {
        tags: ['functions'],
        summary: 'Run the function (or a draft given as code) on one event, or events through onBatch',
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            event: { type: 'object' },
            events: { type: 'array', items: { type: 'object' }, minItems: 1, maxItems: MAX_TEST_EVENTS },
            settings: { type: 'object' },
            code: { type: 'string' },
            // The editor's unsaved setting definitions, so a draft with a new setting can be tested while
            // masked values still mean the function's saved test values.
            definitions: { type: 'array', maxItems: 100 },
          },
        },
      },
    },
    async (request) => {
      const { fn, latest } = await findFunction(store, request, request.params.id, 'functions:write');
      const body = request.body;
      if ((body.event === undefined) === (body.events === undefined)) {
        throw new AppError(400, 'invalid_request', 'send either event or events', { field: 'event' });
      }
      const code = body.code ?? latest.code;
      if (Buffer.byteLength(code) > MAX_CODE_BYTES) {
        throw new AppError(400, 'code_too_large', `code is over ${MAX_CODE_BYTES / 1024} KB`, {
          field: 'code',
        });
      }
      const definitions =
        body.definitions === undefined
          ? definitionsOf(latest)
          : normaliseSettingDefinitions(body.definitions);
      const saved = openSettingValues(fn.testSettings, secrets);
      // Given values are checked as a destination's would be, but a test may leave required ones out.
      const settings =
        body.settings === undefined
          ? saved
          : validateSettingValues(
              definitions.map((d) => ({ ...d, required: false })),
              body.settings,
              saved,
            );
      return runOnce(runtime, {
        key: fn.id,
        code,
        settings,
        definitions,
        input: body.events !== undefined ? { events: body.events } : { event: body.event },
      });
    },
  );

  app.put<{ Params: { id: string }; Body: { settings: Record<string, unknown> } }>(
    '/functions/:id/test-settings',
    {
      schema: {
        tags: ['functions'],
        summary: "Save the Test tab's setting values with the function (sensitive ones encrypted)",
        params: idParams,
        body: {
          type: 'object',
          required: ['settings'],
          additionalProperties: false,
          properties: { settings: { type: 'object' } },
        },
      },
    },
    async (request) => {
      const { fn, latest } = await findFunction(store, request, request.params.id, 'functions:write');
      const definitions = definitionsOf(latest);
      const values = validateSettingValues(
        definitions.map((d) => ({ ...d, required: false })),
        request.body.settings,
        openSettingValues(fn.testSettings, secrets),
      );
      const updated = await store.functions.update(principalOf(request).workspaceId, fn.id, {
        testSettings: sealSettingValues(definitions, values, secrets),
      });
      return presentFunction(updated ?? fn, latest, secrets).testSettings;
    },
  );
}
