import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { type Config, loadConfig } from '../../src/config/load-config.ts';
import { hashPassword } from '../../src/access/password.ts';
import { buildServer } from '../../src/server/build-server.ts';
import type { Dialect } from '../../src/store/schema.ts';
import type { Source, Store } from '../../src/store/store.ts';
import { openTestStore } from './test-stores.ts';

export const TEST_ADMIN_TOKEN = 'sy_test_owner_token_0123456789';
export const TEST_ADMIN_EMAIL = 'owner@switchyard.test';
export const TEST_ADMIN_PASSWORD = 'correct horse battery staple';

export interface TestServer {
  readonly app: FastifyInstance;
  readonly store: Store;
  readonly config: Config;
  readonly workspaceId: string;
  /** A source created for the test, with its write key. */
  readonly source: Source;
  /** Starts delivering what is ingested (the pipeline), as `switchyard start` does. */
  startWorker(): void;
  /** Listens on 127.0.0.1 on a free port (for real clients) and returns the base URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/** A Switchyard app on a fresh store of the dialect, bootstrapped with TEST_ADMIN_TOKEN. */
export async function createTestServer(
  dialect: Dialect = 'sqlite',
  env: Record<string, string> = {},
): Promise<TestServer> {
  const opened = await openTestStore(dialect);
  const config = loadConfig([], {
    SWITCHYARD_DATA_DIR: opened.target.dataDir,
    LOG_LEVEL: 'silent',
    // Functions run in this process unless a test asks for invoker processes (test/invoker-pool.test.ts).
    SWITCHYARD_INVOKERS: '0',
    ...(opened.target.databaseUrl === undefined ? {} : { DATABASE_URL: opened.target.databaseUrl }),
    ...env,
  });
  const { workspaceId } = await opened.store.access.bootstrap({
    adminToken: TEST_ADMIN_TOKEN,
    adminEmail: TEST_ADMIN_EMAIL,
    adminPassword: TEST_ADMIN_PASSWORD,
    hashPassword,
  });
  const source = await opened.store.sources.create(workspaceId, 'Test source');
  const server = await buildServer(config, opened.store, pino({ level: 'silent' }));
  const { app } = server;
  return {
    app,
    store: opened.store,
    config,
    workspaceId,
    source,
    async listen() {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const address = app.server.address();
      if (address === null || typeof address === 'string') throw new Error('not listening on TCP');
      return `http://127.0.0.1:${address.port}`;
    },
    startWorker() {
      server.worker.start();
    },
    async close() {
      await server.close();
      await opened.dispose();
    },
  };
}

export function basicAuth(writeKey: string): string {
  return `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
}

/** POSTs `{batch}` to the server's /v1/batch with its source's write key; returns the status code. */
export async function ingestBatch(server: TestServer, batch: readonly object[]): Promise<number> {
  const answer = await server.app.inject({
    method: 'POST',
    url: '/v1/batch',
    headers: { authorization: basicAuth(server.source.writeKey), 'content-type': 'application/json' },
    payload: { batch },
  });
  return answer.statusCode;
}
