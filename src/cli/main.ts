import { ConfigError, loadConfig } from '../config/load-config.ts';
import { FUNCTIONS_RUN_USAGE, UsageError, functionsRun } from './functions-run.ts';
import { runInvokerProcess } from '../runtime/invoker-process.ts';
import { createLogger } from '../server/create-logger.ts';
import { startSwitchyard } from '../server/start-switchyard.ts';

const USAGE = `Usage: switchyard <command> [options]

Commands:
  start                  run Switchyard (tracking API, management API)
  functions run <code>   run a function's handler on an event locally (see: switchyard functions run --help)

Options for start (each also read from the environment, see README):
  --host <address>         listen address (HOST, default 127.0.0.1)
  -p, --port <port>        listen port (PORT, default 8080)
  --data-dir <path>        embedded store folder (SWITCHYARD_DATA_DIR, default ./data)
  --database-url <url>     postgres://… to use Postgres (DATABASE_URL)
  --log-level <level>      fatal|error|warn|info|debug|trace|silent (LOG_LEVEL, default info)
  --role <role>            all|ingest|worker|api: run only that part (SWITCHYARD_ROLE, default all)
  --invokers <n>           processes that run functions (SWITCHYARD_INVOKERS, default: one per core
                           but one, at least 1; 0 runs them inside the server process)
`;

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return command === undefined ? 1 : 0;
  }
  if (command === 'functions') return functions(rest);
  // Not for people: InvokerPool starts it with an IPC channel.
  if (command === 'invoker') return runInvokerProcess();
  if (command !== 'start') {
    process.stderr.write(`switchyard: unknown command "${command}"\n\n${USAGE}`);
    return 1;
  }
  let config;
  try {
    config = loadConfig(rest);
  } catch (error) {
    if (error instanceof ConfigError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`switchyard: ${(error as Error).message}\n`);
      return 1;
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const running = await startSwitchyard(config, logger);
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'shutting down');
      running.stop().then(resolve, (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exitCode = 1;
        resolve();
      });
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  return process.exitCode === 1 ? 1 : 0;
}

async function functions(argv: readonly string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'run' || rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(FUNCTIONS_RUN_USAGE);
    return sub === 'run' ? 0 : 64;
  }
  try {
    return await functionsRun(rest, loadConfig([]), (text) => process.stdout.write(`${text}\n`));
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (error instanceof UsageError || error instanceof ConfigError || code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`switchyard functions run: ${(error as Error).message}\n\n${FUNCTIONS_RUN_USAGE}`);
      return 64;
    }
    throw error;
  }
}
