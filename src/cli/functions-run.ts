import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Config } from '../config/load-config.ts';
import { FunctionRuntime } from '../runtime/function-runtime.ts';
import { runtimeOptions } from '../runtime/runtime-options.ts';

export const FUNCTIONS_RUN_USAGE = `Usage: switchyard functions run <code.js> (--event <event.json> | --events <events.json>)
                              [--settings <settings.json>] [--sensitive <name,…>]

Runs a destination function's handler on an event in the same runtime and limits as production, and prints
the result as JSON. --events takes a JSON array and runs onBatch. Exit code: 0 delivered, 1 discarded,
2 retry, 64 bad usage.
`;

const EXIT = { delivered: 0, discarded: 1, retry: 2 } as const;

export class UsageError extends Error {}

/** `switchyard functions run …`; returns the process exit code. */
export async function functionsRun(
  argv: readonly string[],
  config: Config,
  print: (text: string) => void,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      event: { type: 'string' },
      events: { type: 'string' },
      settings: { type: 'string' },
      sensitive: { type: 'string' },
    },
  });
  const codeFile = positionals[0];
  if (codeFile === undefined || positionals.length > 1) throw new UsageError('give exactly one code file');
  if ((values.event === undefined) === (values.events === undefined)) {
    throw new UsageError('give either --event or --events');
  }
  const code = readText(codeFile);
  const settings = values.settings === undefined ? {} : readJson(values.settings);
  if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) {
    throw new UsageError(`${values.settings} must hold a JSON object of setting values`);
  }
  const input =
    values.events !== undefined ? { events: readJson(values.events) } : { event: readJson(values.event!) };
  if ('events' in input && !Array.isArray(input.events))
    throw new UsageError(`${values.events} must hold a JSON array`);

  const runtime = new FunctionRuntime(runtimeOptions({ fetchAllow: config.fetchAllow }));
  try {
    const result = await runtime.invoke(
      {
        id: 'cli',
        versionId: 'local',
        code,
        settings: settings as Record<string, unknown>,
        sensitiveSettings: values.sensitive?.split(',').map((s) => s.trim()) ?? [],
      },
      input as { event: unknown } | { events: unknown[] },
    );
    print(JSON.stringify(result, null, 2));
    return EXIT[result.status];
  } finally {
    await runtime.close();
  }
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}

function readJson(file: string): unknown {
  const text = readText(file);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
}
