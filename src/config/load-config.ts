// The only place that reads the environment. Everything else receives the frozen Config.
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { passwordProblem } from '../access/password.ts';
import { DEFAULT_WORKER_OPTIONS, type WorkerOptions } from '../pipeline/delivery-worker.ts';

/** Which parts a process runs: everything, or one of them (processes on one Postgres share the work). */
export type Role = 'all' | 'ingest' | 'worker' | 'api';
const ROLES: readonly Role[] = ['all', 'ingest', 'worker', 'api'];

export interface Config {
  readonly role: Role;
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** postgres://… selects Postgres; undefined means the embedded SQLite store in dataDir. */
  readonly databaseUrl: string | undefined;
  readonly adminToken: string | undefined;
  readonly adminEmail: string | undefined;
  readonly adminPassword: string | undefined;
  readonly secretKey: string | undefined;
  /** Hosts or CIDRs that functions may fetch although they are private or loopback. */
  readonly fetchAllow: readonly string[];
  readonly logLevel: string;
  /** Processes that run functions (by default one per core but one); 0 runs them in this process. */
  readonly invokers: number;
  readonly ingest: IngestConfig;
  readonly worker: WorkerOptions;
}

export interface IngestConfig {
  /** Events waiting for their commit above which ingest answers 503 + Retry-After. */
  readonly maxPendingEvents: number;
  /** Largest number of events committed in one transaction. */
  readonly maxCommitEvents: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const FLAGS = {
  host: { type: 'string' },
  port: { type: 'string', short: 'p' },
  'data-dir': { type: 'string' },
  'database-url': { type: 'string' },
  'log-level': { type: 'string' },
  role: { type: 'string' },
  invokers: { type: 'string' },
} as const;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

type Env = Readonly<Record<string, string | undefined>>;

/**
 * One invoker process per core but one: the server process keeps a core for HTTP and the store, which it
 * saturates at full ingest (bench:e2e on 2 cores: 1 invoker beat 0 and 2 for fetch and onBatch).
 */
function defaultInvokers(): number {
  return Math.max(1, availableParallelism() - 1);
}

/** Parses CLI flags (which win) over environment variables; throws ConfigError on bad values. */
export function loadConfig(argv: readonly string[] = [], env: Env = process.env): Config {
  const { values } = parseArgs({ args: [...argv], options: FLAGS, strict: true, allowPositionals: true });
  const pick = (flag: string | undefined, name: string): string | undefined => {
    const value = flag ?? env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };

  const databaseUrl = pick(values['database-url'], 'DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must start with postgres:// or postgresql://');
  }
  const logLevel = pick(values['log-level'], 'LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  }
  const role = (pick(values.role, 'SWITCHYARD_ROLE') ?? 'all') as Role;
  if (!ROLES.includes(role)) throw new ConfigError(`--role must be one of ${ROLES.join(', ')}`);
  const adminToken = pick(undefined, 'SWITCHYARD_ADMIN_TOKEN');
  if (adminToken !== undefined && adminToken.length < 16) {
    throw new ConfigError('SWITCHYARD_ADMIN_TOKEN must be at least 16 characters');
  }

  const adminPassword = pick(undefined, 'SWITCHYARD_ADMIN_PASSWORD');
  const weak = adminPassword === undefined ? undefined : passwordProblem(adminPassword);
  if (weak !== undefined) throw new ConfigError(`SWITCHYARD_ADMIN_PASSWORD: ${weak}`);

  const config: Config = {
    role,
    host: pick(values.host, 'HOST') ?? '127.0.0.1',
    port: parseInteger(pick(values.port, 'PORT') ?? '8080', 'PORT', 0, 65535),
    dataDir: path.resolve(pick(values['data-dir'], 'SWITCHYARD_DATA_DIR') ?? './data'),
    databaseUrl,
    adminToken,
    adminEmail: pick(undefined, 'SWITCHYARD_ADMIN_EMAIL'),
    adminPassword,
    secretKey: pick(undefined, 'SWITCHYARD_SECRET_KEY'),
    fetchAllow: (pick(undefined, 'SWITCHYARD_FETCH_ALLOW') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
    logLevel,
    invokers: parseInteger(
      pick(values.invokers, 'SWITCHYARD_INVOKERS') ?? String(defaultInvokers()),
      'SWITCHYARD_INVOKERS',
      0,
      64,
    ),
    ingest: {
      maxPendingEvents: parseInteger(
        pick(undefined, 'SWITCHYARD_INGEST_MAX_PENDING') ?? '50000',
        'SWITCHYARD_INGEST_MAX_PENDING',
        1,
        10_000_000,
      ),
      maxCommitEvents: 2500,
    },
    worker: {
      ...DEFAULT_WORKER_OPTIONS,
      successSample: parseFraction(
        pick(undefined, 'SWITCHYARD_SUCCESS_LOG_SAMPLE') ?? String(DEFAULT_WORKER_OPTIONS.successSample),
      ),
      pollMs: parseInteger(
        pick(undefined, 'SWITCHYARD_WORKER_POLL_MS') ?? String(DEFAULT_WORKER_OPTIONS.pollMs),
        'SWITCHYARD_WORKER_POLL_MS',
        10,
        60_000,
      ),
      batchWaitMs: parseInteger(
        pick(undefined, 'SWITCHYARD_BATCH_WAIT_MS') ?? String(DEFAULT_WORKER_OPTIONS.batchWaitMs),
        'SWITCHYARD_BATCH_WAIT_MS',
        0,
        600_000,
      ),
      usageCheckMs: parseInteger(
        pick(undefined, 'SWITCHYARD_USAGE_CHECK_MS') ?? String(DEFAULT_WORKER_OPTIONS.usageCheckMs),
        'SWITCHYARD_USAGE_CHECK_MS',
        10,
        600_000,
      ),
      // Protects a destination's API (and the others' share of the workers): invocations at once per worker.
      maxInFlightPerDestination: parseInteger(
        pick(undefined, 'SWITCHYARD_DESTINATION_IN_FLIGHT') ??
          String(DEFAULT_WORKER_OPTIONS.maxInFlightPerDestination),
        'SWITCHYARD_DESTINATION_IN_FLIGHT',
        1,
        256,
      ),
      // Must exceed the invocation timeout (5 s); tests shorten it to see a dead worker's claims return.
      leaseMs: parseInteger(
        pick(undefined, 'SWITCHYARD_LEASE_MS') ?? String(DEFAULT_WORKER_OPTIONS.leaseMs),
        'SWITCHYARD_LEASE_MS',
        1_000,
        3_600_000,
      ),
    },
  };
  return deepFreeze(config);
}

function parseInteger(text: string, name: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${text}"`);
  }
  return value;
}

function parseFraction(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    throw new ConfigError(`SWITCHYARD_SUCCESS_LOG_SAMPLE must be a number from 0 to 1, got "${text}"`);
  }
  return value;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
