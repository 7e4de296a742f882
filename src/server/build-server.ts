import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import { apiRoutes } from '../api/api-routes.ts';
import type { Config } from '../config/load-config.ts';
import { GroupCommitter } from '../ingest/group-committer.ts';
import { IngestParsers } from '../ingest/ingest-parsers.ts';
import { trackingRoutes } from '../ingest/tracking-routes.ts';
import { WriteKeyCache } from '../ingest/write-key.ts';
import { FunctionRuntime } from '../runtime/function-runtime.ts';
import type { Invoker } from '../runtime/invoker.ts';
import { InvokerPool } from '../runtime/invoker-pool.ts';
import { runtimeOptions } from '../runtime/runtime-options.ts';
import { loadSecretKey } from '../secrets/load-secret-key.ts';
import { SecretBox } from '../secrets/secret-box.ts';
import { SwitchyardMetrics } from '../metrics/switchyard-metrics.ts';
import { DeliveryWorker } from '../pipeline/delivery-worker.ts';
import { Router } from '../pipeline/router.ts';
import type { Store } from '../store/store.ts';
import { registerOpenApi } from './openapi.ts';
import { registerWebApp } from './web-app.ts';
import { installErrorHandler } from './error-handler.ts';
import { installValidatorCompiler } from './validator-compiler.ts';

export interface Server {
  readonly app: FastifyInstance;
  readonly committer: GroupCommitter;
  /** Delivers what ingest committed; started by whoever listens (and by pipeline tests). */
  readonly worker: DeliveryWorker;
  /** Stops HTTP, then ingest (in-flight commits finish), then the worker, then the runtime. */
  close(): Promise<void>;
}

/** Everything but the store and the listening socket. */
export async function buildServer(config: Config, store: Store, logger: Logger): Promise<Server> {
  // Typed as Fastify's logger so that plugins see the default FastifyInstance type.
  const loggerInstance: FastifyBaseLogger = logger;
  const app = Fastify({
    loggerInstance,
    // Per-request lines would dominate the logs at ingest rates; failures are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    // Keep-alive connections must not hold shutdown open.
    forceCloseConnections: 'idle',
  });
  installValidatorCompiler(app);
  closeConnectionsWhenStopping(app);
  installErrorHandler(app);

  const router = new Router(store, logger);
  // Told, once a group is durable, which destinations it gave deliveries to (the worker, further down).
  let delivered: (destinationIds: Set<string>) => void = () => undefined;
  const committer = new GroupCommitter(
    async (rows) => {
      const routed = await router.route(rows);
      const stored = await store.events.insertMany(routed);
      const destinationIds = new Set<string>();
      for (const row of routed) for (const d of row.deliveries ?? []) destinationIds.add(d.destinationId);
      delivered(destinationIds);
      return stored;
    },
    { maxPendingEvents: config.ingest.maxPendingEvents, maxGroupEvents: config.ingest.maxCommitEvents },
  );
  const serves = (part: 'ingest' | 'api') => config.role === 'all' || config.role === part;
  const parsers = serves('ingest')
    ? new IngestParsers((error) => logger.error({ err: error }, 'ingest parser thread failed'))
    : undefined;
  if (parsers !== undefined) {
    await app.register(trackingRoutes, {
      prefix: '/v1',
      committer,
      writeKeys: new WriteKeyCache(store.sources),
      parsers,
    });
  }
  await registerOpenApi(app);
  // Unknown routes: the web app's index.html for pages, a JSON 404 for everything else.
  await registerWebApp(app);
  const secrets = new SecretBox(loadSecretKey(config));
  const options = runtimeOptions({ fetchAllow: config.fetchAllow });
  // Ingest-only processes run no functions; the others use every core unless told otherwise.
  const runtime: Invoker =
    config.invokers > 0 && config.role !== 'ingest'
      ? new InvokerPool(config.invokers, options, logger, store.sqliteFile)
      : new FunctionRuntime(options);
  if (serves('api')) await app.register(apiRoutes, { prefix: '/api/v1', store, secrets, runtime });
  // Invoker processes take a second or two to start: until they are all ready, deliveries wait or run on fewer.
  app.get('/healthz', { schema: { hide: true } }, () => ({
    status: 'ok',
    role: config.role,
    store: store.dialect,
    ...(runtime instanceof InvokerPool ? { invokers: runtime.readiness() } : {}),
  }));

  const metrics = new SwitchyardMetrics();
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
  const worker = new DeliveryWorker(store, runtime, secrets, logger, config.worker, metrics);
  committer.afterCommit = (stored) => metrics.ingested.inc(stored);
  delivered = (destinationIds) => worker.nudge(destinationIds);
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await app.close();
      await parsers?.close();
      await committer.close();
      await worker.stop();
      await runtime.close();
    })());
  return { app, committer, worker, close };
}

/**
 * close() closes idle keep-alive connections once; a connection busy at that moment would then stay open
 * until its keep-alive timeout (72 s) and hold the shutdown. Answering in-flight requests with
 * `Connection: close` lets each socket end with its last response.
 */
function closeConnectionsWhenStopping(app: FastifyInstance): void {
  let stopping = false;
  app.addHook('preClose', async () => {
    stopping = true;
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (stopping) void reply.header('connection', 'close');
    return payload;
  });
}
